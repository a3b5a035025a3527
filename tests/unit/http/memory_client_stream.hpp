// A client stream for downstream_connection that lives in memory: Beast's test
// stream for the bytes, plus the few socket calls the connection makes on its
// lowest layer (cancel, shutdown, close). No sockets, no threads.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <utility>

namespace quikedge::http::testing {

class memory_client_stream {
 public:
  using executor_type = boost::beast::test::stream::executor_type;

  explicit memory_client_stream(boost::beast::test::stream stream) : stream_(std::move(stream)) {}

  executor_type get_executor() { return stream_.get_executor(); }

  template <class Buffers, class Handler>
  auto async_read_some(const Buffers& buffers, Handler&& handler) {
    return stream_.async_read_some(buffers, std::forward<Handler>(handler));
  }
  template <class Buffers, class Handler>
  auto async_write_some(const Buffers& buffers, Handler&& handler) {
    return stream_.async_write_some(buffers, std::forward<Handler>(handler));
  }

  // The lowest layer is the stream itself.
  memory_client_stream& lowest_layer() { return *this; }
  /// A socket's cancel ends its pending read with operation_aborted; the memory
  /// stream can only do that by closing, which is what follows every cancel the
  /// connection makes here (on_shutdown of an idle connection).
  void cancel(boost::system::error_code& ec) {
    stream_.close();
    ec = {};
  }
  /// Any shutdown ends our sending: the peer reads what was sent, then EOF.
  void shutdown(boost::asio::socket_base::shutdown_type, boost::system::error_code& ec) {
    stream_.close();
    ec = {};
  }
  void close(boost::system::error_code& ec) {
    stream_.close();
    ec = {};
  }
  int native_handle() { return -1; }
  /// Only the PROXY header phase waits; it is not used over memory.
  template <class Handler>
  void async_wait(boost::asio::socket_base::wait_type, Handler&& handler) {
    boost::asio::post(stream_.get_executor(), [h = std::forward<Handler>(handler)]() mutable {
      h(boost::asio::error::operation_not_supported);
    });
  }

 private:
  boost::beast::test::stream stream_;
};

}  // namespace quikedge::http::testing
