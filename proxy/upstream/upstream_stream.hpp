// The byte stream to one upstream connection: plain TCP, or TLS over that TCP
// socket for a stack with `tls:`. Reads and writes go through it (it is an
// Asio AsyncReadStream/AsyncWriteStream for callback handlers); the socket
// itself stays reachable for connect, options, readiness, shutdown and close.
// The plain path is the socket's own call behind one predictable branch: no
// virtual call, no allocation per I/O.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <string>
#include <utility>

#include "net/immediate_write.hpp"
#include "routing/routing_table.hpp"
#include "tls/client_context.hpp"

namespace quikedge::upstream {

class tls_session_cache;

class upstream_stream {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;

  explicit upstream_stream(boost::asio::io_context& io) : socket_(io) {}
  ~upstream_stream();
  // The SSL points back at this object (new-session callback): it never moves.
  upstream_stream(const upstream_stream&) = delete;
  upstream_stream& operator=(const upstream_stream&) = delete;

  [[nodiscard]] socket_type& socket() noexcept { return socket_; }
  executor_type get_executor() noexcept { return socket_.get_executor(); }

  [[nodiscard]] bool is_tls() const noexcept { return tls_ != nullptr; }
  /// The context the connection was made with; null for plain TCP.
  [[nodiscard]] const tls::client_context* tls_context() const noexcept { return context_.get(); }

  /// Wraps the connected socket in TLS as a client of `context`, naming the
  /// peer `name` (empty: verify the address `ip`), offering the session
  /// `sessions` keeps for `endpoint`. False when OpenSSL refuses.
  bool start_tls(tls::client_context_ptr context, const std::string& name, const std::string& ip,
                 tls_session_cache& sessions, routing::endpoint_id endpoint);

  /// The TLS client handshake; only after start_tls().
  template <class Handler>
  void async_handshake(Handler&& handler) {
    tls_->async_handshake(boost::asio::ssl::stream_base::client, std::forward<Handler>(handler));
  }
  /// After a handshake: whether it resumed a cached session.
  [[nodiscard]] bool resumed() const;
  /// After a failed handshake: why, for the log ("certificate verify failed: ...").
  [[nodiscard]] std::string failure_reason(const boost::system::error_code& ec) const;
  /// The handshake failed on the certificate (chain or name), not the transport.
  [[nodiscard]] bool verify_failed() const;

  // Always inlined into Asio's composed operations, so the plain path is the
  // socket's own call (checked with callgrind: instructions per request).
  template <class Buffers, class Handler>
  [[gnu::always_inline]] void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) [[unlikely]] {
      tls_read_some(buffers, std::forward<Handler>(handler));
    } else {
      socket_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <class Buffers, class Handler>
  [[gnu::always_inline]] void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) [[unlikely]] {
      tls_write_some(buffers, std::forward<Handler>(handler));
    } else {
      socket_.async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  /// Called by the context's new-session callback: keeps `session` for the
  /// next connection to this endpoint. True when it took ownership.
  bool keep_session(SSL_SESSION* session);

 private:
  // The TLS operations stay out of line: inlined, their size would keep the
  // compiler from inlining the plain path into Asio's composed operations.
  template <class Buffers, class Handler>
  [[gnu::noinline]] void tls_read_some(const Buffers& buffers, Handler&& handler) {
    tls_->async_read_some(buffers, std::forward<Handler>(handler));
  }
  template <class Buffers, class Handler>
  [[gnu::noinline]] void tls_write_some(const Buffers& buffers, Handler&& handler) {
    tls_->async_write_some(buffers, std::forward<Handler>(handler));
  }

  socket_type socket_;
  std::unique_ptr<boost::asio::ssl::stream<socket_type&>> tls_;
  tls::client_context_ptr context_;
  tls_session_cache* sessions_ = nullptr;
  routing::endpoint_id endpoint_ = 0;
};

/// Writes every byte to the connection. Plain TCP goes to the socket itself
/// through net::write_immediately (one sendmsg and an inline completion when
/// the socket takes it all, see there; callgrind showed a composed write through
/// the stream costing ~40 more instructions per request); TLS goes through the
/// stream. Callers treat the call as their last action.
template <class Buffers, class Handler>
void async_write_all(upstream_stream& stream, const Buffers& buffers, Handler&& handler) {
  if (stream.is_tls()) [[unlikely]] {
    boost::asio::async_write(stream, buffers, std::forward<Handler>(handler));
  } else {
    net::write_immediately(stream.socket(), buffers, std::forward<Handler>(handler));
  }
}

}  // namespace quikedge::upstream
