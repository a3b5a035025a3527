// Handshake outcome classification (OpenSSL reason codes → a few labels).
#include "tls/handshake_outcome.hpp"

#include <openssl/err.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace quikedge::tls {

metrics::handshake_failure classify_handshake_error(const boost::system::error_code& ec,
                                                    bool timed_out) {
  using metrics::handshake_failure;
  if (timed_out) {
    return handshake_failure::timeout;
  }
  if (ec == boost::asio::ssl::error::stream_truncated || ec == boost::asio::error::eof ||
      ec == boost::asio::error::connection_reset || ec == boost::asio::error::broken_pipe) {
    return handshake_failure::closed;
  }
  if (ec.category() != boost::asio::error::get_ssl_category()) {
    return handshake_failure::malformed;
  }
  switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
      return handshake_failure::plain_http;
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
      return handshake_failure::protocol_version;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
    case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
      return handshake_failure::no_shared_cipher;
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
      return handshake_failure::certificate_rejected;
    default:
      return handshake_failure::malformed;
  }
}

void record_handshake(metrics::worker_metrics& counters, std::size_t listener, SSL* ssl,
                      const boost::system::error_code& ec, bool timed_out) {
  if (listener >= metrics::max_tls_listeners) {
    return;
  }
  auto& c = counters.tls(listener);
  if (ec) {
    metrics::bump(c.failures[static_cast<std::size_t>(classify_handshake_error(ec, timed_out))]);
    return;
  }
  const std::size_t version = SSL_version(ssl) == TLS1_3_VERSION ? 1 : 0;
  metrics::bump(SSL_session_reused(ssl) == 1 ? c.resumed[version] : c.full[version]);
}

}  // namespace quikedge::tls
