// Connect, then the TLS handshake for https:// members, with the reason of a
// failed verification spelled out (a wrong CA is the usual first mistake).
#include "etcd/member_stream.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/error.hpp>

namespace quikedge::etcd {

member_stream::member_stream(boost::asio::io_context& io, access_ptr how, address member)
    : resolver_(io), tcp_(io), access_(std::move(how)), member_(std::move(member)) {}

void member_stream::async_open(std::chrono::milliseconds timeout, opened_fn done) {
  tcp_.expires_after(timeout);
  resolver_.async_resolve(
      member_.host, std::to_string(member_.port),
      [self = shared_from_this(), done = std::move(done)](
          const boost::system::error_code& ec,
          const boost::asio::ip::tcp::resolver::results_type& results) {
        if (ec) {
          done(ec, "resolve " + self->member_.host + ": " + ec.message());
          return;
        }
        self->tcp_.async_connect(results, [self, done](const boost::system::error_code& c_ec,
                                                       const boost::asio::ip::tcp::endpoint&) {
          if (c_ec) {
            done(c_ec, "connect " + self->member_.to_string() + ": " + c_ec.message());
            return;
          }
          self->tcp_.socket().set_option(boost::asio::ip::tcp::no_delay(true));
          if (self->access_->tls_context() == nullptr) {
            done({}, {});
            return;
          }
          self->handshake(done);
        });
      });
}

void member_stream::handshake(const opened_fn& done) {
  SSL* ssl = access_->new_tls_session(member_);
  if (ssl == nullptr) {
    done(boost::asio::error::invalid_argument,
         "TLS to " + member_.to_string() + ": the server name cannot be set");
    return;
  }
  tls_ = std::make_unique<boost::asio::ssl::stream<boost::beast::tcp_stream&>>(tcp_, ssl);
  tls_->async_handshake(boost::asio::ssl::stream_base::client,
                        [self = shared_from_this(), done](const boost::system::error_code& ec) {
                          if (!ec) {
                            done({}, {});
                            return;
                          }
                          std::string why = "TLS handshake with " + self->member_.to_string() +
                                            ": " + ec.message();
                          long verdict = SSL_get_verify_result(self->tls_->native_handle());
                          if (verdict != X509_V_OK) {
                            why += " (" + std::string(X509_verify_cert_error_string(verdict)) + ")";
                          }
                          ERR_clear_error();
                          done(ec, why);
                        });
}

boost::beast::http::request<boost::beast::http::string_body> gateway_post(const address& member,
                                                                          std::string_view path,
                                                                          std::string body,
                                                                          const std::string& token,
                                                                          leader_check leader) {
  namespace http = boost::beast::http;
  http::request<http::string_body> request;
  request.method(http::verb::post);
  request.target(path);
  request.version(11);
  request.set(http::field::host, member.to_string());
  request.set(http::field::content_type, "application/json");
  if (!token.empty()) {
    request.set(http::field::authorization, token);
  }
  if (leader == leader_check::required) {
    request.set("Grpc-Metadata-hasleader", "true");
  }
  request.keep_alive(true);
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

void member_stream::close() {
  boost::system::error_code ignored;
  resolver_.cancel();
  tcp_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  tcp_.close();
}

}  // namespace quikedge::etcd
