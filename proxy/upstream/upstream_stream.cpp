// The TLS half of upstream_stream: setting up the client SSL, resumption.
#include "upstream/upstream_stream.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/error.hpp>

#include "upstream/tls_session_cache.hpp"

namespace quikedge::upstream {

upstream_stream::~upstream_stream() = default;

bool upstream_stream::start_tls(tls::client_context_ptr context, const std::string& name,
                                const std::string& ip, tls_session_cache& sessions,
                                routing::endpoint_id endpoint) {
  SSL* ssl = SSL_new(context->native());  // holds the SSL_CTX for the connection's life
  if (ssl == nullptr) {
    ERR_clear_error();
    return false;
  }
  if (!tls::set_peer_name(ssl, name, ip, context->verify())) {
    ERR_clear_error();
    SSL_free(ssl);
    return false;
  }
  SSL_set_ex_data(ssl, tls::stream_ex_index(), this);
  if (SSL_SESSION* session = sessions.find(endpoint, context->serial())) {
    SSL_set_session(ssl, session);  // takes its own reference
  }
  tls_ = std::make_unique<boost::asio::ssl::stream<socket_type&>>(socket_, ssl);
  context_ = std::move(context);
  sessions_ = &sessions;
  endpoint_ = endpoint;
  return true;
}

bool upstream_stream::resumed() const {
  return tls_ && SSL_session_reused(tls_->native_handle()) == 1;
}

bool upstream_stream::verify_failed() const {
  return tls_ && context_->verify() && SSL_get_verify_result(tls_->native_handle()) != X509_V_OK;
}

std::string upstream_stream::failure_reason(const boost::system::error_code& ec) const {
  if (verify_failed()) {
    const long verify = SSL_get_verify_result(tls_->native_handle());
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  if (ec == boost::asio::ssl::error::stream_truncated || ec == boost::asio::error::eof) {
    return "the upstream closed the connection during the handshake";
  }
  return ec.message();
}

bool upstream_stream::keep_session(SSL_SESSION* session) {
  if (sessions_ == nullptr || !context_ || SSL_SESSION_is_resumable(session) != 1) {
    return false;
  }
  sessions_->keep(endpoint_, context_->serial(), session);
  return true;
}

}  // namespace quikedge::upstream
