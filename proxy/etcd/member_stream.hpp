// The byte stream to one etcd member, for one connection: plain TCP for
// http:// endpoints, TLS over that TCP stream for https:// ones. It is an Asio
// AsyncReadStream/AsyncWriteStream for Beast's HTTP reads and writes; the TCP
// stream stays reachable for its timeouts and for close.
//
// A TLS stream cannot be reused after its connection closed, so a reconnect
// makes a new member_stream; owners hold it by shared_ptr and capture that in
// every handler, so a stream closed while an operation is still completing
// lives until that operation is done.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "etcd/access.hpp"

namespace quikedge::etcd {

class member_stream : public std::enable_shared_from_this<member_stream> {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  /// `why` is empty on success, else a sentence for the log and the caller.
  using opened_fn = std::function<void(const boost::system::error_code& ec, std::string why)>;

  member_stream(boost::asio::io_context& io, access_ptr how, address member);

  [[nodiscard]] boost::beast::tcp_stream& tcp() { return tcp_; }
  executor_type get_executor() { return tcp_.get_executor(); }
  [[nodiscard]] const address& member() const { return member_; }

  /// Resolves and connects to the member, then (https://) shakes hands and
  /// verifies its certificate, all within `timeout`.
  void async_open(std::chrono::milliseconds timeout, opened_fn done);

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  /// Closes the connection; operations in flight complete with an error.
  void close();

 private:
  void handshake(const opened_fn& done);

  boost::asio::ip::tcp::resolver resolver_;
  boost::beast::tcp_stream tcp_;
  access_ptr access_;
  address member_;
  std::unique_ptr<boost::asio::ssl::stream<boost::beast::tcp_stream&>> tls_;
};

using member_stream_ptr = std::shared_ptr<member_stream>;

/// Whether a call may wait on a member that has lost its raft leader.
/// etcd holds such a call until its own request timeout (7 s with the default
/// election timeout); `required` makes the member answer 503 "etcdserver: no
/// leader" at once instead (gRPC metadata `hasleader`, passed by the gateway),
/// so the caller can try another member or try again after the election.
enum class leader_check { none, required };

/// A gateway call: POST of the JSON `body` to `path` on `member`, with
/// `token` as etcd takes it (bare, in Authorization) unless it is empty.
boost::beast::http::request<boost::beast::http::string_body> gateway_post(const address& member,
                                                                          std::string_view path,
                                                                          std::string body,
                                                                          const std::string& token,
                                                                          leader_check leader);

}  // namespace quikedge::etcd
