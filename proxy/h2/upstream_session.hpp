// One multiplexed HTTP/2 connection without TLS (h2c, prior knowledge) to an
// endpoint of a stack with `protocol: h2c` (SPEC 14): an nghttp2 client
// session whose streams each carry one downstream HTTP/2 stream's exchange,
// trailers included (gRPC). Requests beyond the endpoint's
// SETTINGS_MAX_CONCURRENT_STREAMS wait in nghttp2's queue. Flow control is
// manual both ways: the upstream's DATA is acknowledged only once the client
// took it. Worker only.
#pragma once

#include <nghttp2/nghttp2.h>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/session_context.hpp"
#include "routing/routing_table.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::h2 {

class h2_stream;

class upstream_session : public std::enable_shared_from_this<upstream_session> {
 public:
  upstream_session(http::session_context& context, routing::endpoint_id endpoint,
                   const boost::asio::ip::tcp::endpoint& address);
  ~upstream_session();

  /// Creates the nghttp2 session and connects. False: out of memory.
  bool start();
  /// Still takes new streams (connected or connecting, no GOAWAY, no error).
  [[nodiscard]] bool usable() const { return !failed_ && !goaway_; }

  /// Opens a stream for `stream`'s request; its body (when `has_body`) is
  /// pulled through h2_stream::read_upstream_body. Returns the stream id, or
  /// a negative value when the session cannot take it.
  std::int32_t submit(const std::shared_ptr<h2_stream>& stream, const nghttp2_nv* fields,
                      std::size_t count, bool has_body);
  /// More request body is staged for stream `id`.
  void resume(std::int32_t id);
  /// The client took `n` bytes of stream `id`'s response: open the window.
  void consume(std::int32_t id, std::size_t n);
  /// The downstream side is gone: cancel the stream.
  void cancel(std::int32_t id);

  // From the nghttp2 callbacks.
  [[nodiscard]] h2_stream* find(std::int32_t id);
  void stream_closed(std::int32_t id, std::uint32_t error_code);
  void goaway_received() { goaway_ = true; }

 private:
  using error_code = boost::system::error_code;
  void request_send();
  void do_send();
  void do_read();
  /// The connection is unusable: every stream on it fails.
  void fail();

  http::session_context& context_;
  routing::endpoint_id endpoint_;
  boost::asio::ip::tcp::endpoint address_;
  boost::asio::ip::tcp::socket socket_;
  nghttp2_session* session_ = nullptr;
  util::byte_buffer in_;
  std::string out_;
  bool connected_ = false;
  bool writing_ = false;
  bool send_posted_ = false;
  bool failed_ = false;
  bool goaway_ = false;
  std::unordered_map<std::int32_t, std::shared_ptr<h2_stream>> streams_;
};

/// The h2c connections of one worker, one per endpoint (multiplexed).
class upstream_pool {
 public:
  /// A usable session to `endpoint`, opened when there is none.
  std::shared_ptr<upstream_session> get(http::session_context& context,
                                        const routing::endpoint_entry& endpoint);

 private:
  std::unordered_map<routing::endpoint_id, std::shared_ptr<upstream_session>> sessions_;
};

}  // namespace quikedge::h2
