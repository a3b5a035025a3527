// classify_handshake_error: OpenSSL reasons and socket errors map onto the
// failure labels of quikedge_tls_handshake_failures_total.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include "tls/handshake_outcome.hpp"

namespace quikedge::tls {
namespace {

using metrics::handshake_failure;

boost::system::error_code ssl_error(int reason) {
  return {static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)),
          boost::asio::error::get_ssl_category()};
}

TEST(HandshakeOutcome, TimeoutWinsOverTheAbortItCauses) {
  EXPECT_EQ(classify_handshake_error(boost::asio::error::operation_aborted, true),
            handshake_failure::timeout);
}

TEST(HandshakeOutcome, PeerGoingAwayIsClosed) {
  EXPECT_EQ(classify_handshake_error(boost::asio::error::eof, false), handshake_failure::closed);
  EXPECT_EQ(classify_handshake_error(boost::asio::ssl::error::stream_truncated, false),
            handshake_failure::closed);
  EXPECT_EQ(classify_handshake_error(boost::asio::error::connection_reset, false),
            handshake_failure::closed);
}

TEST(HandshakeOutcome, OpenSslReasonsHaveTheirLabels) {
  EXPECT_EQ(classify_handshake_error(ssl_error(SSL_R_HTTP_REQUEST), false),
            handshake_failure::plain_http);
  EXPECT_EQ(classify_handshake_error(ssl_error(SSL_R_UNSUPPORTED_PROTOCOL), false),
            handshake_failure::protocol_version);
  EXPECT_EQ(classify_handshake_error(ssl_error(SSL_R_NO_SHARED_CIPHER), false),
            handshake_failure::no_shared_cipher);
  EXPECT_EQ(classify_handshake_error(ssl_error(SSL_R_TLSV1_ALERT_UNKNOWN_CA), false),
            handshake_failure::certificate_rejected);
  EXPECT_EQ(classify_handshake_error(ssl_error(SSL_R_WRONG_VERSION_NUMBER), false),
            handshake_failure::malformed);
}

}  // namespace
}  // namespace quikedge::tls
