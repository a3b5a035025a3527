// Meaning layer for `tls:` blocks. The files are opened and parsed here, not
// only stat()ed: a key that does not match its certificate must fail
// --check-config and a reload with file:line:col, not the TLS layer later.
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "config/validate.hpp"

namespace quikedge::config_detail {
namespace {

struct bio_free {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::string in_quotes(const std::string& text) {
  return "\"" + text + "\"";
}

// Why `path` cannot be read, or "" when it can.
std::string unreadable_reason(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return "no such file";
  }
  if (!std::filesystem::is_regular_file(status)) {
    return "not a regular file";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::strerror(errno);
  }
  if (in.peek() == std::ifstream::traits_type::eof()) {
    return "the file is empty";
  }
  return "";
}

// OpenSSL would otherwise prompt on the terminal for an encrypted key.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

/// The staple must be a DER OCSP response that says "successful": a file from
/// the wrong tool (PEM, a request) would otherwise be stapled and make strict
/// clients fail the handshake.
void check_staple(reporter& report, const std::string& path, const std::string& file) {
  std::unique_ptr<BIO, bio_free> in(BIO_new_file(file.c_str(), "rb"));
  OCSP_RESPONSE* response = in ? d2i_OCSP_RESPONSE_bio(in.get(), nullptr) : nullptr;
  ERR_clear_error();
  if (response == nullptr) {
    report.at_value(
        path, "no DER OCSP response in " + in_quotes(file) + " (openssl ocsp -respout writes one)");
    return;
  }
  const int status = OCSP_response_status(response);
  OCSP_RESPONSE_free(response);
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    report.at_value(path, "the OCSP response in " + in_quotes(file) + " is not successful (" +
                              OCSP_response_status_str(status) + ")");
  }
}

void check_alpn(const tls_config& tls, const std::string& path, reporter& report) {
  if (!report.usable(path + ".alpn")) {
    return;
  }
  bool http11 = false;
  for (std::size_t i = 0; i < tls.alpn.size(); ++i) {
    const std::string item = path + ".alpn[" + std::to_string(i) + "]";
    if (tls.alpn[i] == "http/1.1") {
      http11 = true;
    } else if (tls.alpn[i] != "h2" && report.usable(item)) {
      report.at_value(item, "must be h2 or http/1.1, got " + in_quotes(tls.alpn[i]));
    }
  }
  if (!http11) {
    report.at_value(path + ".alpn", "must include http/1.1 (the protocol served on TLS today)");
  }
}

}  // namespace

bool check_readable(reporter& report, const std::string& path, const std::string& file) {
  if (!report.usable(path)) {
    return false;
  }
  if (file.empty()) {
    report.at_value(path, "must name a file");
    return false;
  }
  std::string why = unreadable_reason(file);
  if (!why.empty()) {
    report.at_value(path, "cannot read " + in_quotes(file) + ": " + why);
    return false;
  }
  return true;
}

void check_pair(reporter& report, const std::string& path, const tls_certificate_config& pair) {
  std::unique_ptr<BIO, bio_free> cert_in(BIO_new_file(pair.certificate.c_str(), "r"));
  std::unique_ptr<X509, x509_free> cert(
      cert_in ? PEM_read_bio_X509(cert_in.get(), nullptr, no_passphrase, nullptr) : nullptr);
  std::unique_ptr<BIO, bio_free> key_in(BIO_new_file(pair.private_key.c_str(), "r"));
  std::unique_ptr<EVP_PKEY, pkey_free> key(
      key_in ? PEM_read_bio_PrivateKey(key_in.get(), nullptr, no_passphrase, nullptr) : nullptr);
  ERR_clear_error();  // the queue is per thread; leave it clean for the next user
  if (!cert) {
    report.at_value(path + ".certificate", "no PEM certificate in " + in_quotes(pair.certificate));
  }
  if (!key) {
    report.at_value(path + ".private_key", "no PEM private key in " + in_quotes(pair.private_key) +
                                               " (encrypted keys are not supported)");
  }
  if (cert && key && X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    report.at_value(path + ".private_key", "the key in " + in_quotes(pair.private_key) +
                                               " does not match the certificate " +
                                               in_quotes(pair.certificate));
  }
}

namespace {

bool is_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_server_name(std::string_view name) {
  if (name.starts_with("*.")) {
    name.remove_prefix(2);
  }
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    if (!is_label(name.substr(start, dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

void validate_tls(const tls_config& tls, const std::string& path, reporter& report) {
  for (std::size_t i = 0; i < tls.certificates.size(); ++i) {
    const tls_certificate_config& pair = tls.certificates[i];
    const std::string at =
        tls.single_pair ? path : path + ".certificates[" + std::to_string(i) + "]";
    if (!report.usable(at)) {
      continue;
    }
    bool cert_ok = check_readable(report, at + ".certificate", pair.certificate);
    bool key_ok = check_readable(report, at + ".private_key", pair.private_key);
    if (cert_ok && key_ok) {
      check_pair(report, at, pair);
    }
    if (!pair.ocsp_staple.empty() &&
        check_readable(report, at + ".ocsp_staple", pair.ocsp_staple)) {
      check_staple(report, at + ".ocsp_staple", pair.ocsp_staple);
    }
    for (std::size_t j = 0; j < pair.server_names.size(); ++j) {
      const std::string item = at + ".server_names[" + std::to_string(j) + "]";
      if (report.usable(item) && !is_server_name(pair.server_names[j])) {
        report.at_value(item,
                        "is not a DNS name or *.wildcard, got " + in_quotes(pair.server_names[j]));
      }
    }
  }
  check_alpn(tls, path, report);
}

}  // namespace quikedge::config_detail
