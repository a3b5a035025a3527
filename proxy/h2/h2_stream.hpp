// One HTTP/2 stream as a downstream of the upstream exchange (see
// http/exchange_port.hpp): the stream's header list becomes an HTTP/1.1 head
// (request_head_builder), its DATA frames the request body, and what the
// exchange writes back (an HTTP/1.1 response head and body) becomes HEADERS
// and DATA. So every stream goes through the same routing, pools, retries,
// metrics and access log as an HTTP/1 request.
//
// Backpressure: the client's DATA is acknowledged (WINDOW_UPDATE) only once
// the exchange asks for more body, i.e. after the upstream took the previous
// bytes; a response write completes only once nghttp2 has framed its bytes,
// which it does only within the client's flow-control window. Worker only.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "h2/chunk_decoder.hpp"
#include "h2/request_head_builder.hpp"
#include "http/deadline_entry.hpp"
#include "http/message_head.hpp"
#include "http/request_record.hpp"
#include "http/request_state.hpp"
#include "http/session_context.hpp"
#include "http/upstream_exchange.hpp"
#include "upstream/connection_pool.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::h2 {

class h2_session;
class upstream_session;

class h2_stream : public std::enable_shared_from_this<h2_stream>, public http::deadline_entry {
 public:
  using error_code = boost::system::error_code;
  using io_handler = std::function<void(const error_code&, std::size_t)>;

  h2_stream(std::shared_ptr<h2_session> session, std::int32_t id);
  ~h2_stream() override;

  // What the session feeds in, from nghttp2's callbacks.
  void on_header(std::string_view name, std::string_view value) { builder_.add(name, value); }
  /// The request's header list is complete: route it and start the exchange.
  void on_headers_end(bool end_stream);
  /// Returns how many of the bytes can be acknowledged at once (the exchange
  /// no longer wants them).
  std::size_t on_data(const std::uint8_t* data, std::size_t size);
  void on_end_stream();
  /// The stream is closed by nghttp2 (RST_STREAM either way, the response
  /// fully sent, or the connection gone): a running exchange is cancelled.
  void on_closed(std::uint32_t error_code);
  /// nghttp2's data source: copies pending response payload into a DATA frame.
  long read_data(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags);

  void on_deadline() override;
  /// After END_STREAM went out: ends a request the client is still sending.
  void stop_open_upload();

  // The h2c leg (h2_stream_h2c.cpp): a stream routed to a `protocol: h2c`
  // stack is relayed frame by frame to an upstream_session, trailers included.
  /// A field of the upstream's response head, or of its trailers once the
  /// final head is in.
  void on_upstream_header(std::string_view name, std::string_view value);
  /// The end of a HEADERS frame before the final head: an interim (1xx) head is
  /// dropped, as the HTTP/1 path drops it, and the final one is relayed.
  void on_upstream_head_frame(bool end_stream);
  [[nodiscard]] bool has_upstream_head() const { return upstream_head_; }
  void on_upstream_head(bool end_stream);
  void on_upstream_data(std::string_view bytes);
  void on_upstream_end(bool trailers);
  void on_upstream_closed(std::uint32_t error_code);
  /// The upstream session's data source: the client's staged DATA.
  long read_upstream_body(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags);

  // The exchange port (http/exchange_port.hpp).
  std::shared_ptr<h2_stream> keep() { return shared_from_this(); }
  http::session_context& context();
  http::request_state& request() { return request_; }
  http::request_log_fields& log_fields() { return log_; }
  util::byte_buffer& request_bytes() { return request_bytes_; }
  template <class Handler>
  void read_request_body(Handler&& handler) {
    pending_read_ = std::forward<Handler>(handler);
    acknowledge_body();
    if (!staged_.empty() || body_ended_ || reset_) {
      complete_read();
    }
  }
  template <class Buffers, class Handler>
  void write_response(const Buffers& buffers, Handler&& handler) {
    pending_write_ = std::forward<Handler>(handler);
    pending_write_size_ = 0;
    bool first = !head_submitted_;
    for (const auto& buffer : buffers) {
      const std::string_view bytes(static_cast<const char*>(buffer.data()), buffer.size());
      pending_write_size_ += bytes.size();
      if (first) {
        first = false;
        if (!submit_head(bytes)) {
          return;
        }
        continue;
      }
      add_body(bytes);
    }
    flush_write();
  }
  template <class Handler>
  void write_interim(std::string_view, Handler&& handler) {
    // HTTP/2 clients do not wait for 100 Continue (Expect is not forwarded).
    post_completion(io_handler(std::forward<Handler>(handler)), {}, 0);
  }
  void set_deadline(std::chrono::milliseconds from_now) {
    deadline = http::clock::now() + from_now;
  }
  [[nodiscard]] bool timed_out() const { return timed_out_ || reset_; }
  /// The request went to an upstream (its headers ended and routed).
  [[nodiscard]] bool exchange_started() const { return started_; }
  [[nodiscard]] bool closed() const { return over_; }
  [[nodiscard]] bool exchange_over() const { return over_; }
  [[nodiscard]] bool tls() const;
  [[nodiscard]] std::string_view client_ip() const;
  [[nodiscard]] const boost::asio::ip::address& client_address() const;
  void enter_exchange() {}
  void record(int status);
  void exchange_done();
  void reply_error(int status, bool close_after);
  void close(bool linger = true);
  void hand_off(upstream::upstream_connection_ptr upstream, util::byte_buffer upstream_in,
                routing::stack_id stack, std::chrono::milliseconds idle_timeout,
                std::string_view response_head);

 private:
  void start_request(bool end_stream);
  /// Parses the exchange's HTTP/1.1 response head and submits HEADERS.
  bool submit_head(std::string_view head_bytes);
  void add_body(std::string_view bytes);
  /// Hands the body pieces to nghttp2, or completes the write if there are none.
  void flush_write();
  void complete_read();
  void acknowledge_body();
  void post_completion(io_handler handler, const error_code& ec, std::size_t n);
  void fail_pending(const error_code& ec);
  /// The exchange is over: nothing it started is pending any more.
  void end_exchange();
  void reset_stream(std::uint32_t error_code);
  void start_h2c();
  /// The downstream data source on the h2c leg: relayed upstream DATA, then trailers.
  long read_relayed(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags);
  void cancel_h2c();

  std::shared_ptr<h2_session> session_;
  std::int32_t id_;
  request_head_builder builder_;
  http::message_head head_;  ///< request head, then (lent) the response head
  http::message_head response_head_;
  http::request_log_fields log_;
  http::request_state request_;
  util::byte_buffer request_bytes_;  ///< the synthesized HTTP/1.1 head, then body bytes
  /// DATA that arrived while the exchange may have a write from request_bytes_
  /// in flight (so that buffer must not move); handed over when it asks for more.
  util::byte_buffer staged_;
  bool chunked_upload_ = false;  ///< body bytes are framed chunked for the exchange
  bool started_ = false;         ///< the exchange was started
  bool headers_ended_ = false;   ///< the request's HEADERS (and CONTINUATIONs) are in
  bool upload_stopped_ = false;  ///< RST_STREAM(NO_ERROR) asked the client to stop sending
  bool body_ended_ = false;      ///< END_STREAM from the client
  bool head_submitted_ = false;
  bool has_body_provider_ = false;
  bool deferred_ = false;           ///< nghttp2 waits for resume_data
  bool response_complete_ = false;  ///< exchange_done: END_STREAM after the pending bytes
  bool reset_ = false;              ///< closed by RST_STREAM or the connection's end
  bool stream_closed_ = false;      ///< nghttp2 forgot the stream
  bool timed_out_ = false;
  bool over_ = false;  ///< the exchange ended; late completions are ignored
  bool decode_chunks_ = false;
  bool eof_sent_ = false;  ///< END_STREAM is framed: a close now is the normal end
  /// Payload left of a Content-Length response: at 0 its last DATA frame ends
  /// the stream, without waiting for exchange_done.
  std::uint64_t response_left_ = 0;
  bool counted_response_ = false;  ///< response_left_ applies
  chunk_decoder chunks_;
  std::size_t unacknowledged_ = 0;     ///< DATA payload received, not yet given back as window
  std::vector<std::string_view> out_;  ///< response payload runs not yet framed
  std::size_t out_front_ = 0;          ///< bytes of out_.front() already framed
  std::string fields_storage_;
  std::string reply_;  ///< body of a response the proxy makes itself
  io_handler pending_read_;
  io_handler pending_write_;
  std::size_t pending_write_size_ = 0;
  // The h2c leg.
  bool h2c_ = false;
  std::shared_ptr<upstream_session> upstream_;
  std::int32_t upstream_id_ = -1;
  bool upstream_head_ = false;
  bool upstream_ended_ = false;
  bool upstream_deferred_ = false;  ///< the upstream waits for resume (no staged body)
  int upstream_status_ = 0;
  int grpc_status_ = -1;
  std::vector<std::pair<std::string, std::string>> upstream_fields_;
  std::vector<std::pair<std::string, std::string>> trailer_fields_;
  std::string relay_;  ///< upstream DATA not yet framed to the client
  std::size_t relay_front_ = 0;
  http::upstream_exchange<h2_stream> exchange_{*this};
};

}  // namespace quikedge::h2
