// What the proxy needs to know about a loaded certificate: the names SNI picks
// it by, its subject for the expiry metric, and when it expires. Any thread.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <vector>

namespace quikedge::tls {

struct certificate_info {
  std::vector<std::string> dns_names;  ///< SAN DNS names; the CN when there are none
  std::string subject;  ///< RFC 2253 escaping, certificate order: "CN=app.example.com,O=QuikApp"
  std::int64_t not_after = 0;  ///< Unix seconds
};

/// Reads `cert`'s names, subject and notAfter.
certificate_info describe_certificate(X509* cert);

}  // namespace quikedge::tls
