// Meaning layer for `stacks.NAME.tls` (TLS from the proxy to the endpoints).
// The CA bundle is parsed here, so that a file without a certificate fails
// --check-config and a reload with file:line:col rather than every handshake.
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config/validate.hpp"

namespace quikedge::config_detail {

int count_certificates(const std::string& file) {
  BIO* in = BIO_new_file(file.c_str(), "r");
  if (in == nullptr) {
    ERR_clear_error();
    return 0;
  }
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(in, nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++count;
  }
  BIO_free(in);
  ERR_clear_error();  // the last read always fails (end of file)
  return count;
}

void validate_upstream_tls(const upstream_tls_config& tls, const std::string& path,
                           reporter& report) {
  const std::string ca = path + ".ca";
  if (!tls.ca.empty() && check_readable(report, ca, tls.ca) && count_certificates(tls.ca) == 0) {
    report.at_value(ca, "no PEM certificate in \"" + tls.ca + "\"");
  }
  const std::string sni = path + ".sni";
  if (report.usable(sni) && !tls.sni.empty() &&
      (tls.sni.starts_with("*") || !is_server_name(tls.sni))) {
    report.at_value(sni, "is not a DNS name, got \"" + tls.sni + "\"");
  }
}

}  // namespace quikedge::config_detail
