// One downstream connection: reads requests, routes each to a stack, relays it to
// a pooled upstream connection and streams the response back, in order, until the
// client or the proxy ends the connection. Worker only.
//
// The session is a template over the client stream (plain TCP today, TLS later);
// it is instantiated explicitly in http_session_*.cpp so only those files pay for
// the template.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "http/body_relay.hpp"
#include "http/message_head.hpp"
#include "http/session_context.hpp"
#include "routing/routing_table.hpp"
#include "upstream/connection_pool.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::http {

template <class ClientStream>
class http_session : public std::enable_shared_from_this<http_session<ClientStream>>,
                     public deadline_entry {
 public:
  /// `tls`: the listener terminates TLS (sets X-Forwarded-Proto and Secure
  /// cookies). `proxy_protocol`: the connection opens with a PROXY header.
  http_session(session_context& context, ClientStream stream,
               const boost::asio::ip::tcp::endpoint& peer, bool tls, bool proxy_protocol);
  ~http_session() override;

  void start();
  void on_deadline() override;
  void on_shutdown() override;

 private:
  using error_code = boost::system::error_code;

  /// Where the exchange is, so a deadline or an error can be answered correctly.
  enum class phase : std::uint8_t {
    idle,           ///< waiting for the first byte of a request
    request_head,   ///< a request head is arriving
    connect,        ///< connecting to the upstream
    request_body,   ///< relaying the request body
    response_head,  ///< waiting for the upstream's response head
    response_body,  ///< relaying the response body
    writing_error,  ///< sending a response the proxy made
    closed,
  };

  // Connection set-up: the PROXY header where the listener wants one, then the
  // TLS handshake where it terminates TLS.
  void do_read_proxy_header();
  void on_proxy_header_readable(const error_code& ec);
  void start_protocol();
  /// The client's address for X-Forwarded-For, the trust check and the log;
  /// IPv4-mapped IPv6 addresses are written as IPv4.
  void set_client_address(const boost::asio::ip::address& address);

  // Request phases, in the order they run.
  void do_read_request_head();
  void on_request_head_bytes(const error_code& ec, std::size_t n);
  void handle_request_head();
  bool pick_upstream();
  void acquire_connection();
  void do_connect();
  void on_connect(const error_code& ec);
  void do_write_request_head();
  void on_request_head_written(const error_code& ec);
  void do_send_continue();
  void do_read_request_body();
  void on_request_body_bytes(const error_code& ec, std::size_t n);
  void do_write_request_body();
  void on_request_body_written(const error_code& ec, std::size_t n);
  void abort_upload(int status);

  // Response phases.
  void do_read_response_head();
  void on_response_head_bytes(const error_code& ec, std::size_t n);
  void handle_response_head();
  void do_read_response_body();
  void on_response_body_bytes(const error_code& ec, std::size_t n);
  void on_response_body_written(const error_code& ec, std::size_t n);
  void finish_exchange();
  void hand_off_to_tunnel();

  // Failure handling.
  void upstream_failed(int status);
  bool retry_on_fresh_connection();
  /// Moves the request to another endpoint (same stack first) when retries and
  /// the retry budget allow and nothing can have been processed twice.
  bool retry_elsewhere(bool request_may_have_arrived);
  void note_endpoint_result(bool failed);
  [[nodiscard]] const routing::stack_entry& current_stack() const {
    return table_->stacks()[static_cast<std::size_t>(stack_index_)];
  }
  [[nodiscard]] const routing::endpoint_entry& current_endpoint() const {
    return current_stack().endpoints[static_cast<std::size_t>(endpoint_index_)];
  }
  void send_error(int status, bool close_after);
  void on_error_written(const error_code& ec);
  void release_upstream(bool reusable);
  void close(bool linger = true);
  void do_linger();

  void set_deadline(std::chrono::milliseconds from_now);
  void clear_deadline() { deadline = clock::time_point::max(); }
  void record(int status);

  session_context& context_;
  ClientStream client_;
  bool tls_;
  bool proxy_protocol_;
  boost::asio::ip::address client_address_;
  std::string client_ip_;

  phase phase_ = phase::idle;
  bool timed_out_ = false;

  util::byte_buffer client_in_;    ///< request heads and bodies from the client
  util::byte_buffer upstream_in_;  ///< response heads and bodies from the upstream
  std::string upstream_head_;      ///< request head being sent upstream
  std::string client_head_;        ///< response head (or proxy response) being sent
  std::string request_id_;
  message_head head_;  ///< the head being parsed; views die when its buffer is consumed

  // The current exchange; reset for every request.
  routing::routing_table_ptr table_;
  int stack_index_ = -1;
  int endpoint_index_ = -1;
  upstream::upstream_connection_ptr upstream_;
  bool upstream_reused_ = false;
  bool retried_ = false;
  unsigned attempts_ = 0;  ///< retries on other endpoints so far
  upstream::tried_endpoints tried_;
  bool endpoint_started_ = false;  ///< counted in the selector's in-flight numbers
  bool request_idempotent_ = false;
  bool request_is_head_ = false;
  bool request_expect_continue_ = false;
  bool is_websocket_ = false;
  bool handed_off_ = false;  ///< the connection now belongs to a ws_tunnel
  std::string set_cookie_;   ///< sticky Set-Cookie for this response; empty: none
  bool client_keep_alive_ = true;
  bool upstream_keep_alive_ = true;
  bool response_started_ = false;
  bool uploading_ = false;       ///< the request body is still streaming (response read meanwhile)
  bool upload_aborted_ = false;  ///< the upstream got a partial body: never reuse it
  int client_version_minor_ = 1;
  int response_status_ = 0;
  std::size_t pending_body_bytes_ = 0;  ///< client_in_ bytes behind the upstream write in flight
  std::size_t pending_response_bytes_ =
      0;  ///< upstream_in_ bytes behind the client write in flight
  body_relay request_body_;
  body_relay response_body_;
  relay_output request_out_;   ///< request body bytes of the upstream write in flight
  relay_output response_out_;  ///< response body bytes of the client write in flight
  std::vector<boost::asio::const_buffer> request_buffers_;   ///< gathered request_out_
  std::vector<boost::asio::const_buffer> response_buffers_;  ///< gathered response_out_
  clock::time_point request_started_{};

  // Access log of the current request (only filled when it is sampled).
  bool log_this_ = false;
  std::string log_method_;
  std::string log_path_;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  clock::time_point upstream_started_{};
  clock::duration upstream_time_{};
};

}  // namespace quikedge::http
