// TLS server context setup.
#include "tls/tls_context.hpp"

#include <openssl/ssl.h>

#include <stdexcept>

namespace quikedge::tls {
namespace {

/// Offer only HTTP/1.1 through ALPN: that is all the proxy speaks downstream.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                  unsigned int in_len, void*) {
  static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, http11, sizeof http11, in, in_len) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_server_context(const tls_config& settings) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  boost::system::error_code ec;
  context->use_certificate_chain_file(settings.certificate, ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS certificate " + settings.certificate + ": " +
                             ec.message());
  }
  context->use_private_key_file(settings.private_key, ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("cannot load TLS private key " + settings.private_key + ": " +
                             ec.message());
  }
  SSL_CTX_set_alpn_select_cb(context->native_handle(), select_http11, nullptr);
  return context;
}

}  // namespace quikedge::tls
