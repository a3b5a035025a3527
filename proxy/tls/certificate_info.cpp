// Certificate names, subject and expiry, read with OpenSSL.
#include "tls/certificate_info.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>

namespace quikedge::tls {
namespace {

std::string subject_text(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
  if (!out) {
    return "";
  }
  // RFC 2253 escaping and separators, but in the certificate's own order (as
  // `openssl x509 -subject` shows it): "CN=app.quikapp.com,O=QuikApp".
  constexpr unsigned long subject_flags = XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV;
  X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0, subject_flags);
  char* data = nullptr;
  long length = BIO_get_mem_data(out.get(), &data);
  return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : std::string();
}

std::vector<std::string> san_dns_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans == nullptr) {
    return names;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type == GEN_DNS) {
      const auto* text = ASN1_STRING_get0_data(name->d.dNSName);
      names.emplace_back(reinterpret_cast<const char*>(text),
                         static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
    }
  }
  GENERAL_NAMES_free(sans);
  return names;
}

std::string common_name(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) {
    return "";
  }
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

std::int64_t unix_time(const ASN1_TIME* when) {
  std::tm parts{};
  if (when == nullptr || ASN1_TIME_to_tm(when, &parts) != 1) {
    return 0;
  }
  return static_cast<std::int64_t>(timegm(&parts));
}

}  // namespace

certificate_info describe_certificate(X509* cert) {
  certificate_info info;
  info.subject = subject_text(cert);
  info.not_after = unix_time(X509_get0_notAfter(cert));
  // RFC 6125: with any DNS SAN present, the CN is not a name of the server.
  info.dns_names = san_dns_names(cert);
  if (info.dns_names.empty()) {
    if (std::string cn = common_name(cert); !cn.empty()) {
      info.dns_names.push_back(std::move(cn));
    }
  }
  return info;
}

}  // namespace quikedge::tls
