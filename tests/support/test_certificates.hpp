// Certificates for the TLS tests, made with the openssl CLI in a test's own
// directory: a throw-away CA and leaf certificates it signs.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace quikedge::test {

struct certificate_files {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::filesystem::path ocsp_staple;  ///< empty: none configured
};

class test_ca {
 public:
  /// Creates ca.crt and ca.key (P-256) in `directory`. Throws when openssl fails.
  explicit test_ca(std::filesystem::path directory);

  [[nodiscard]] std::filesystem::path certificate() const { return directory_ / "ca.crt"; }

  /// Writes STEM.crt and STEM.key: subject `subject` ("/CN=app.quikapp.test/O=v1"),
  /// subjectAltName `names` (DNS names, or "IP:127.0.0.1"; none: no SAN), for
  /// `extended_key_usage` ("serverAuth", "clientAuth" or both, comma-separated).
  /// Throws when openssl fails.
  certificate_files issue(const std::string& stem, const std::string& subject,
                          const std::vector<std::string>& names,
                          const std::string& extended_key_usage = "serverAuth") const;

  /// A DER OCSP response from this CA saying `files`' certificate is good, as
  /// STEM.ocsp (openssl ocsp as client, then as responder over an index file).
  std::filesystem::path ocsp_response(const certificate_files& files, const std::string& stem,
                                      const std::string& subject) const;

  /// A fresh key that belongs to no certificate, as STEM.key.
  std::filesystem::path unrelated_key(const std::string& stem) const;

 private:
  std::filesystem::path directory_;
};

}  // namespace quikedge::test
