// Meaning layer for `state.etcd`'s access settings: TLS to the members and
// etcd's authentication. The files are read here, so that a missing CA or a
// key that does not match its certificate fails --check-config at its line,
// not the first connection of a replica that then never becomes ready.
#include "config/validate.hpp"

namespace quikedge::config_detail {
namespace {

void validate_etcd_tls(const etcd_tls_config& tls, const std::string& path, reporter& report) {
  const std::string ca = path + ".ca";
  if (!tls.ca.empty() && check_readable(report, ca, tls.ca) && count_certificates(tls.ca) == 0) {
    report.at_value(ca, "no PEM certificate in \"" + tls.ca + "\"");
  }
  const std::string certificate = path + ".certificate";
  const std::string key = path + ".private_key";
  if (!tls.certificate.empty() && tls.private_key.empty()) {
    report.at_value(certificate, "a client certificate needs its private_key");
  } else if (tls.certificate.empty() && !tls.private_key.empty()) {
    report.at_value(key, "a private_key needs its client certificate");
  } else if (!tls.certificate.empty()) {
    bool readable = check_readable(report, certificate, tls.certificate);
    readable = check_readable(report, key, tls.private_key) && readable;
    if (readable) {
      check_pair(report, path, {tls.certificate, tls.private_key, {}, {}});
    }
  }
  const std::string sni = path + ".sni";
  if (report.usable(sni) && !tls.sni.empty() &&
      (tls.sni.starts_with("*") || !is_server_name(tls.sni))) {
    report.at_value(sni, "is not a DNS name, got \"" + tls.sni + "\"");
  }
}

}  // namespace

void validate_etcd_access(const etcd_config& etcd, reporter& report) {
  const std::string path = "state.etcd";
  if (etcd.tls && !etcd.use_tls && !etcd.endpoints.empty()) {
    report.at_key(path + ".tls", "the endpoints are http://; TLS needs https:// endpoints");
  } else if (etcd.tls) {
    validate_etcd_tls(*etcd.tls, path + ".tls", report);
  }
  if (!etcd.username.empty() && etcd.password_file.empty()) {
    report.at_value(path + ".username",
                    "needs password_file (the file etcd's password is read from)");
  } else if (etcd.username.empty() && !etcd.password_file.empty()) {
    report.at_value(path + ".password_file",
                    "needs username (the etcd user it is the password of)");
  } else if (!etcd.password_file.empty()) {
    check_readable(report, path + ".password_file", etcd.password_file);
  }
}

}  // namespace quikedge::config_detail
