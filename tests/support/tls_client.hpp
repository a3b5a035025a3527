// A TLS client for the integration tests: one connection to 127.0.0.1 with a
// chosen SNI name, verified against a test CA, that sends keep-alive GETs or
// carries a wss:// WebSocket. Every operation is bounded by a timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "support/http_client.hpp"

namespace quikedge::test {

class tls_client {
 public:
  /// Connects to 127.0.0.1:`port` and handshakes with SNI `server_name`,
  /// verifying the certificate against `ca` for that name. `error()` says
  /// why when connected() is false. `session`: a session to resume.
  tls_client(const std::filesystem::path& ca, const std::string& server_name, std::uint16_t port,
             SSL_SESSION* session = nullptr);
  ~tls_client();

  [[nodiscard]] bool connected() const { return connected_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  /// The served certificate's subject in RFC 2253 form ("CN=app.quikapp.test,O=v1").
  [[nodiscard]] std::string served_subject() const;
  [[nodiscard]] std::string protocol() const;  ///< "TLSv1.3"
  [[nodiscard]] std::string alpn() const;      ///< "" when none was chosen
  [[nodiscard]] bool resumed() const;
  /// The session for a later resumption (owned by the caller; SSL_SESSION_free).
  [[nodiscard]] SSL_SESSION* session() const;

  /// GET `target` on this connection (keep-alive); status 0 and `error` on failure.
  http_response get(const std::string& target);

  /// Upgrades this connection to a WebSocket on `target`; false on failure.
  bool open_websocket(const std::string& target);
  /// Sends `text` and returns the echoed message, or nullopt on failure.
  std::optional<std::string> echo(const std::string& text);

 private:
  template <class Start>
  boost::system::error_code wait(Start&& start);

  std::string server_name_;
  boost::asio::io_context io_;
  boost::asio::ssl::context context_{boost::asio::ssl::context::tls_client};
  using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
  std::unique_ptr<boost::beast::websocket::stream<tls_stream>> ws_;  ///< owns the connection
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  bool upgraded_ = false;
  std::string error_;
  std::chrono::milliseconds timeout_{5000};
};

}  // namespace quikedge::test
