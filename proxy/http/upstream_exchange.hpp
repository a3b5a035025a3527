// One request's trip upstream: route pick, pool checkout or connect, relay of
// the request body and of the response, retries, and the recording at the end.
// It knows nothing of HTTP/1 framing towards the client: a downstream (see
// exchange_port.hpp) hands it a parsed head and a body source and gets the
// response through its sink. One per downstream connection, reused by each of
// its requests; the per-request state is the downstream's request_state.
// Worker only.
#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <vector>

#include "http/body_relay.hpp"
#include "http/message_head.hpp"
#include "http/relay_output.hpp"
#include "http/request_state.hpp"
#include "http/stream_traits.hpp"
#include "upstream/connection_pool.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::http {

template <class Downstream>
class upstream_exchange {
 public:
  /// `downstream` is still being constructed: only its request() is used here.
  explicit upstream_exchange(Downstream& downstream)
      : down_(downstream), request_(downstream.request()) {}

  /// Serves the request whose head was just parsed: `head` views the first
  /// head.head_bytes of the downstream's request bytes, which this consumes.
  /// The head object is lent for the whole exchange: the response head is
  /// parsed into it, so its header capacity is reused.
  void start(message_head& head) {
    if (route(head)) {
      forward(head);
    }
  }
  /// The two halves of start(), for a downstream that serves some stacks
  /// itself (HTTP/2 streams to an h2c stack): route() picks stack and
  /// endpoint (false: it already answered 503); forward() sends the request
  /// to that endpoint over HTTP/1.1.
  bool route(message_head& head);
  void forward(message_head& head);
  /// The sticky Set-Cookie route() chose for the response (empty: none).
  [[nodiscard]] const std::string& set_cookie() const { return set_cookie_; }

  /// The deadline passed: fail the pending upstream operation.
  void cancel();
  /// Gives the upstream connection back to the pool or closes it.
  void release_upstream(bool reusable);
  /// The downstream ends the exchange while the body still uploads: the upload
  /// is marked aborted; true if it was streaming (a client read is pending).
  bool end_upload();
  /// The body has a framing (content-length or chunked) and so may not replay.
  [[nodiscard]] bool has_body() const { return request_body_.has_body(); }
  [[nodiscard]] bool request_complete() const { return request_body_.complete(); }

 private:
  using error_code = boost::system::error_code;

  request_state& req() { return request_; }
  /// The settings of the table the request started with.
  const config& settings() { return *settings_; }

  // upstream_connect.ipp: pool or connect.
  void acquire_connection();
  void do_connect();
  void on_connect(const error_code& ec);
  void connect_failed();

  // upstream_tls_handshake.ipp: TLS to the upstream for a stack with `tls:`.
  void start_upstream_tls();
  void on_upstream_handshake(const error_code& ec);
  /// A pooled connection made under another TLS setting (a reload changed it).
  bool pooled_for_other_tls() const;

  // request_relay.ipp: head and body towards the upstream.
  void do_write_request_head();
  void on_request_head_written(const error_code& ec);
  void do_send_continue();
  void do_read_request_body();
  void on_request_body_bytes(const error_code& ec, std::size_t n);
  void do_write_request_body();
  void on_request_body_written(const error_code& ec);
  void abort_upload(int status);

  // response_relay.ipp: head and body towards the client.
  void do_read_response_head();
  void on_response_head_bytes(const error_code& ec, std::size_t n);
  void handle_response_head();
  void do_read_response_body();
  void on_response_body_bytes(const error_code& ec, std::size_t n);
  void on_response_body_written(const error_code& ec, std::size_t n);
  void finish_exchange();
  void hand_off_to_tunnel();

  // exchange_retry.ipp: failures and retries.
  void upstream_failed(int status);
  bool retry_on_fresh_connection();
  bool retry_elsewhere(bool request_may_have_arrived);
  void note_endpoint_result(bool failed);
  void start_endpoint();

  Downstream& down_;
  request_state& request_;            ///< the downstream's, for the current request
  const config* settings_ = nullptr;  ///< of request_.table, set by start()
  upstream::upstream_connection_ptr upstream_;
  util::byte_buffer upstream_in_;  ///< response heads and bodies from the upstream
  std::string upstream_head_;      ///< request head being sent upstream
  std::string client_head_;        ///< response head being sent to the client
  std::string set_cookie_;         ///< sticky Set-Cookie for this response; empty: none
  message_head* head_ = nullptr;   ///< the lent head; views die when their bytes are consumed
  body_relay request_body_;
  body_relay response_body_;
  relay_output request_out_;   ///< request body bytes of the upstream write in flight
  relay_output response_out_;  ///< response body bytes of the client write in flight
  std::vector<boost::asio::const_buffer> request_buffers_;   ///< gathered request_out_
  std::vector<boost::asio::const_buffer> response_buffers_;  ///< gathered response_out_
};

namespace exchange_detail {

/// The buffers of one relay write: an optional head, then the body pieces.
inline const std::vector<boost::asio::const_buffer>& gather(
    std::string_view head, const relay_output& body,
    std::vector<boost::asio::const_buffer>& buffers) {
  buffers.clear();
  if (!head.empty()) {
    buffers.emplace_back(head.data(), head.size());
  }
  body.for_each_piece(
      [&](std::string_view piece) { buffers.emplace_back(piece.data(), piece.size()); });
  return buffers;
}

}  // namespace exchange_detail

}  // namespace quikedge::http
