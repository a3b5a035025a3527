// One downstream HTTP/1 connection: the codec side of the proxy. It reads
// request heads (after an optional PROXY header and TLS handshake), enforces the
// head and body limits, answers what it cannot serve with the proxy's own error
// replies, keeps the connection alive or pipelines the next request, and closes
// with a lingering close. Each parsed request is handed to an upstream_exchange
// through the operations of exchange_port.hpp. Worker only.
//
// A template over the client stream (plain TCP, TLS, an in-memory stream in the
// unit tests); the proxy's instantiations are explicit in
// downstream_connection_*.cpp so only those files pay for the template.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "http/message_head.hpp"
#include "http/request_record.hpp"
#include "http/request_state.hpp"
#include "http/session_context.hpp"
#include "http/upstream_exchange.hpp"
#include "upstream/connection_pool.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::http {

/// `Exchange`: what serves each parsed request; upstream_exchange in the proxy,
/// a canned one in the codec's unit tests.
template <class ClientStream, template <class> class Exchange = upstream_exchange>
class downstream_connection
    : public std::enable_shared_from_this<downstream_connection<ClientStream, Exchange>>,
      public deadline_entry {
 public:
  /// `tls`: the listener terminates TLS (sets X-Forwarded-Proto and Secure
  /// cookies). `proxy_protocol`: the connection opens with a PROXY header.
  /// `listener`: the listener's index in the config, for its TLS counters.
  downstream_connection(session_context& context, ClientStream stream,
                        const boost::asio::ip::tcp::endpoint& peer, bool tls, bool proxy_protocol,
                        std::uint16_t listener = 0);
  ~downstream_connection() override;

  void start();
  void on_deadline() override;
  void on_shutdown() override;

  // The exchange port (exchange_port.hpp): what upstream_exchange drives.
  std::shared_ptr<downstream_connection> keep() { return this->shared_from_this(); }
  session_context& context() { return context_; }
  request_state& request() { return request_; }
  request_log_fields& log_fields() { return log_; }
  util::byte_buffer& request_bytes() { return client_in_; }
  template <class Handler>
  void read_request_body(Handler&& handler);
  template <class Buffers, class Handler>
  void write_response(const Buffers& buffers, Handler&& handler);
  template <class Handler>
  void write_interim(std::string_view line, Handler&& handler);
  /// At shutdown, how long a connection that has not sent its first request yet
  /// is given to send it.
  static constexpr std::chrono::milliseconds fresh_connection_grace{1000};

  void set_deadline(std::chrono::milliseconds from_now) { deadline = clock::now() + from_now; }
  void clear_deadline() { deadline = clock::time_point::max(); }
  [[nodiscard]] bool timed_out() const { return timed_out_; }
  [[nodiscard]] bool closed() const { return phase_ == phase::closed; }
  /// The exchange was ended by the other direction (closed, or an error reply).
  [[nodiscard]] bool exchange_over() const {
    return phase_ == phase::closed || phase_ == phase::writing_error;
  }
  [[nodiscard]] bool tls() const { return tls_; }
  [[nodiscard]] std::string_view client_ip() const { return client_ip_; }
  [[nodiscard]] const boost::asio::ip::address& client_address() const { return client_address_; }
  /// The request is routed and goes upstream: errors from now on are its own.
  void enter_exchange() { phase_ = phase::exchange; }
  void record(int status) { record_request(context_, request_, log_, client_ip_, status); }
  void exchange_done();
  void reply_error(int status, bool close_after);
  void close(bool linger = true);
  void hand_off(upstream::upstream_connection_ptr upstream, util::byte_buffer upstream_in,
                routing::stack_id stack, std::chrono::milliseconds idle_timeout,
                std::string_view response_head);

 private:
  using error_code = boost::system::error_code;

  /// Where the connection is, so a deadline or an error is answered correctly.
  enum class phase : std::uint8_t {
    idle,           ///< waiting for the first byte of a request
    request_head,   ///< a request head is arriving (or is being routed)
    exchange,       ///< the upstream exchange owns the request
    writing_error,  ///< sending a response the proxy made
    closed,
  };

  // proxy_header_phase.ipp: connection set-up.
  void do_read_proxy_header();
  void on_proxy_header_readable(const error_code& ec);
  void start_protocol();
  void on_handshake(const error_code& ec);
  /// The connection speaks HTTP/2: an h2 session takes the stream over.
  void hand_off_to_h2();
  /// The client's address for X-Forwarded-For, the trust check and the log;
  /// IPv4-mapped IPv6 addresses are written as IPv4.
  void set_client_address(const boost::asio::ip::address& address);

  // downstream_connection.ipp: heads, keep-alive and pipelining.
  void do_read_request_head();
  /// After on_shutdown cancelled the idle read: the bytes of a request already in
  /// the socket (plain TCP), read without waiting into client_in_; 0 if none.
  std::size_t read_arrived_request();
  void on_request_head_bytes(const error_code& ec, std::size_t n);
  void handle_request_head();

  // error_reply.ipp
  void on_error_written(const error_code& ec);
  // lingering_close.ipp
  void do_linger();

  session_context& context_;
  ClientStream client_;
  bool tls_;
  bool proxy_protocol_;
  std::uint16_t listener_;
  phase phase_ = phase::idle;
  bool timed_out_ = false;
  bool shutdown_cancelled_read_ = false;  ///< on_shutdown cancelled the wait for a next request
  bool had_request_ = false;              ///< a request head arrived on this connection
  bool handed_off_ = false;  ///< the connection now belongs to a ws_tunnel or an h2 session
  bool sniff_h2_ = false;    ///< plain listener with http2: look for the h2c preface
  boost::asio::ip::address client_address_;
  std::string client_ip_;
  util::byte_buffer client_in_;  ///< request heads and bodies from the client
  std::string reply_;            ///< the response the proxy makes
  message_head head_;            ///< the head being parsed; lent to the exchange
  request_log_fields log_;
  request_state request_;
  Exchange<downstream_connection> exchange_{*this};
};

}  // namespace quikedge::http
