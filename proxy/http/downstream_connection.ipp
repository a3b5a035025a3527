// downstream_connection: lifetime, request heads, keep-alive and pipelining.
// Included by downstream_connection_*.cpp.
#pragma once

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <memory>

#include "h2/h2_serve.hpp"
#include "h2/preface.hpp"
#include "http/downstream_connection.hpp"
#include "http/error_reply.hpp"
#include "http/stream_traits.hpp"
#include "net/immediate_write.hpp"
#include "tls/handshake_outcome.hpp"

namespace quikedge::http {

template <class ClientStream, template <class> class Exchange>
downstream_connection<ClientStream, Exchange>::downstream_connection(
    session_context& context, ClientStream stream, const boost::asio::ip::tcp::endpoint& peer,
    bool tls, bool proxy_protocol, std::uint16_t listener)
    : context_(context),
      client_(std::move(stream)),
      tls_(tls),
      proxy_protocol_(proxy_protocol),
      listener_(listener) {
  set_client_address(peer.address());
  context_.deadlines.link(*this);
}

template <class ClientStream, template <class> class Exchange>
downstream_connection<ClientStream, Exchange>::~downstream_connection() {
  context_.deadlines.unlink(*this);
  if (!handed_off_) {
    context_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  }
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::set_client_address(
    const boost::asio::ip::address& address) {
  client_address_ = address;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    client_address_ = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  client_ip_ = client_address_.to_string();
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::start() {
  if (proxy_protocol_) {
    do_read_proxy_header();
  } else {
    start_protocol();
  }
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::start_protocol() {
  if constexpr (is_tls_stream<ClientStream>) {
    // A deadline of its own, shorter than the header timeout: a handshake
    // is a few round trips, and a flood of half-open ones must not hold
    // connection slots (limits.max_connections) for long.
    set_deadline(context_.table->settings().timeouts.tls_handshake);
    client_.async_handshake(
        boost::asio::ssl::stream_base::server,
        [self = this->shared_from_this()](const error_code& ec) { self->on_handshake(ec); });
  } else {
    // h2c with prior knowledge: the first bytes decide (SPEC 14).
    sniff_h2_ = h2::listener_speaks_h2(context_, listener_);
    do_read_request_head();
  }
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::on_handshake(const error_code& ec) {
  if constexpr (is_tls_stream<ClientStream>) {
    tls::record_handshake(context_.metrics, listener_, client_.native_handle(), ec, timed_out_);
  }
  if (ec) {
    close(false);
    return;
  }
  if constexpr (is_tls_stream<ClientStream>) {
    const unsigned char* protocol = nullptr;
    unsigned int size = 0;
    SSL_get0_alpn_selected(client_.native_handle(), &protocol, &size);
    if (size == 2 && protocol[0] == 'h' && protocol[1] == '2') {
      hand_off_to_h2();  // ALPN offers h2 only on listeners with http2: true
      return;
    }
  }
  do_read_request_head();
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::hand_off_to_h2() {
  if constexpr (h2::has_h2_transport<ClientStream>) {
    handed_off_ = true;  // the session takes over the connection's slot
    phase_ = phase::closed;
    clear_deadline();
    h2::serve_h2(context_, std::move(client_), client_address_, tls_, listener_,
                 std::move(client_in_));
  } else {
    close(false);
  }
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::on_deadline() {
  timed_out_ = true;
  error_code ignored;
  lowest_socket(client_).cancel(ignored);
  exchange_.cancel();
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::on_shutdown() {
  if (phase_ == phase::idle && !had_request_) {
    // Accepted moments ago: its first request is on the way (or it is a browser's
    // preconnect). Closing now would reset that request, which no client retries
    // on a fresh connection, so it gets a short deadline instead and is answered
    // with Connection: close if the request comes.
    if (deadline > clock::now() + fresh_connection_grace) {
      set_deadline(fresh_connection_grace);
    }
    return;
  }
  if (phase_ == phase::idle) {
    // Waiting for a next request that will not be served: end it now, so a
    // restart does not wait for keep-alive clients to go away on their own. The
    // pending read is cancelled, not the socket closed: on io_uring the kernel may
    // already have received a request into our buffer (its completion not yet
    // run), and that request is then served (with Connection: close) instead of
    // lost. A cancelled read closes the connection in on_request_head_bytes.
    shutdown_cancelled_read_ = true;
    error_code ignored;
    lowest_socket(client_).cancel(ignored);
  }
  // Otherwise keep-alive is cleared when the exchange's response starts.
}

template <class ClientStream, template <class> class Exchange>
std::size_t downstream_connection<ClientStream, Exchange>::read_arrived_request() {
  if constexpr (std::is_same_v<ClientStream, boost::asio::ip::tcp::socket>) {
    const ssize_t got = ::recv(client_.native_handle(), client_in_.write_ptr(),
                               client_in_.write_space(), MSG_DONTWAIT);
    return got > 0 ? static_cast<std::size_t>(got) : 0;
  } else {
    return 0;  // TLS records need the engine: such a client retries on the close
  }
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::do_read_request_head() {
  const auto& settings = context_.table->settings();
  phase_ = client_in_.empty() ? phase::idle : phase::request_head;
  if (!client_in_.empty()) {
    // A pipelined request may already be buffered.
    on_request_head_bytes({}, 0);
    return;
  }
  set_deadline(settings.timeouts.idle);
  if (!client_in_.prepare(read_chunk, settings.limits.max_request_header_bytes + read_chunk)) {
    close();
    return;
  }
  client_.async_read_some(boost::asio::buffer(client_in_.write_ptr(), client_in_.write_space()),
                          [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                            self->on_request_head_bytes(ec, n);
                          });
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::on_request_head_bytes(const error_code& ec,
                                                                          std::size_t n) {
  const auto& settings = context_.table->settings();
  if (ec == boost::asio::error::operation_aborted && shutdown_cancelled_read_ &&
      phase_ == phase::idle) {
    shutdown_cancelled_read_ = false;
    // A request that reached the socket between the cancel and now is served
    // (with Connection: close) rather than reset by the close.
    if (const std::size_t late = read_arrived_request(); late > 0) {
      on_request_head_bytes({}, late);
      return;
    }
  }
  if (ec) {
    if (phase_ == phase::request_head && timed_out_) {
      reply_error(408, true);
    } else {
      close(false);
    }
    return;
  }
  client_in_.commit(n);
  had_request_ = true;
  if (sniff_h2_) {
    switch (h2::match_preface(client_in_.view())) {
      case h2::preface_match::full:
        hand_off_to_h2();
        return;
      case h2::preface_match::partial:
        // Read on before parsing: a partial preface parses as an HTTP/2.0 head.
        phase_ = phase::request_head;
        set_deadline(settings.timeouts.request_header);
        client_in_.prepare(read_chunk, settings.limits.max_request_header_bytes + read_chunk);
        client_.async_read_some(
            boost::asio::buffer(client_in_.write_ptr(), client_in_.write_space()),
            [self = this->shared_from_this()](const error_code& ec2, std::size_t n2) {
              self->on_request_head_bytes(ec2, n2);
            });
        return;
      case h2::preface_match::no:
        sniff_h2_ = false;
        break;
    }
  }
  if (phase_ == phase::idle) {
    phase_ = phase::request_head;
    set_deadline(settings.timeouts.request_header);
  }
  head_limits limits{settings.limits.max_request_header_bytes, 128};
  const auto status = parse_request_head(client_in_.view(), limits, head_);
  if (status == parse_status::ok) {
    handle_request_head();
    return;
  }
  if (status != parse_status::incomplete) {
    reply_error(reply_status_for(status), true);
    return;
  }
  if (!client_in_.prepare(read_chunk, settings.limits.max_request_header_bytes + read_chunk)) {
    reply_error(431, true);
    return;
  }
  client_.async_read_some(boost::asio::buffer(client_in_.write_ptr(), client_in_.write_space()),
                          [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                            self->on_request_head_bytes(ec, n);
                          });
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::handle_request_head() {
  // A fresh state per request: nothing of the previous one survives. Built in
  // place (the exchange's reference then names the new object) rather than
  // assigned from a temporary, which would copy every field twice.
  std::destroy_at(&request_);
  std::construct_at(&request_);
  auto& request = request_;
  request.table = context_.table;
  const auto& settings = request.table->settings();
  request.started = clock::now();
  clear_deadline();
  context_.retries.earn(settings.retries.budget_ratio);
  request.version_minor = head_.version_minor;
  request.keep_alive = head_.wants_keep_alive() && !context_.shutting_down;
  request.is_head = head_.method == "HEAD";
  request.idempotent = is_idempotent(head_.method);
  // HTTP/1.0 has no 1xx: a 1.0 client would read "100 Continue" as the answer
  // and every response after it on the connection would be off by one
  // (RFC 9110 15.2); its Expect is ignored (RFC 9110 10.1.1).
  request.expect_continue = head_.expect_continue && head_.version_minor == 1;
  request.websocket =
      head_.connection.upgrade && iequals(head_.upgrade, "websocket") && head_.method == "GET";
  request.bytes_in = head_.head_bytes;
  request.log_this = context_.access_log != nullptr && context_.access_log->sample();
  if (request.log_this) {
    log_.method.assign(head_.method);
    log_.path.assign(head_.target);
  }
  if (head_.framing == body_framing::content_length &&
      head_.content_length > settings.limits.max_request_body_bytes) {
    client_in_.consume(head_.head_bytes);
    reply_error(413, true);
    return;
  }
  const bool has_body = head_.framing == body_framing::chunked ||
                        (head_.framing == body_framing::content_length && head_.content_length > 0);
  if (request.websocket && has_body) {
    // An opening handshake has no body (RFC 6455 4.1). Relaying one would leave
    // the upload racing the 101: the bytes after the head would be neither body
    // nor frames, and the tunnel would start with a read still in flight.
    client_in_.consume(head_.head_bytes);
    reply_error(400, true);
    return;
  }
  exchange_.start(head_);
}

template <class ClientStream, template <class> class Exchange>
void downstream_connection<ClientStream, Exchange>::exchange_done() {
  request_.table.reset();
  if (!request_.keep_alive) {
    close();
    return;
  }
  do_read_request_head();
}

template <class ClientStream, template <class> class Exchange>
template <class Handler>
void downstream_connection<ClientStream, Exchange>::read_request_body(Handler&& handler) {
  client_in_.prepare(read_chunk, client_in_.capacity() + read_chunk);
  client_.async_read_some(boost::asio::buffer(client_in_.write_ptr(), client_in_.write_space()),
                          std::forward<Handler>(handler));
}

template <class ClientStream, template <class> class Exchange>
template <class Buffers, class Handler>
void downstream_connection<ClientStream, Exchange>::write_response(const Buffers& buffers,
                                                                   Handler&& handler) {
  if constexpr (std::is_same_v<ClientStream, boost::asio::ip::tcp::socket>) {
    net::write_immediately(client_, buffers, std::forward<Handler>(handler));
  } else {
    boost::asio::async_write(client_, buffers, std::forward<Handler>(handler));
  }
}

template <class ClientStream, template <class> class Exchange>
template <class Handler>
void downstream_connection<ClientStream, Exchange>::write_interim(std::string_view line,
                                                                  Handler&& handler) {
  boost::asio::async_write(client_, boost::asio::buffer(line), std::forward<Handler>(handler));
}

}  // namespace quikedge::http
