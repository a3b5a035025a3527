// http_session, request side: read and route a request, connect or reuse an
// upstream connection, relay the request body. Included by http_session_*.cpp.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <array>

#include "http/cookie.hpp"
#include "http/head_writer.hpp"
#include "http/http_session.hpp"
#include "routing/route_request.hpp"

namespace quikedge::http {

namespace session_detail {

// Grow the read buffer by at least this much per read; big enough that bodies
// move in few syscalls, small enough that idle keep-alive connections stay cheap.
constexpr std::size_t read_chunk = 16 * 1024;

inline bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

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

template <class Stream>
auto& lowest_socket(Stream& stream) {
  if constexpr (requires { stream.lowest_layer(); }) {
    return stream.lowest_layer();
  } else {
    return stream;
  }
}

}  // namespace session_detail

template <class ClientStream>
http_session<ClientStream>::http_session(session_context& context, ClientStream stream,
                                         const boost::asio::ip::tcp::endpoint& peer, bool tls,
                                         bool proxy_protocol)
    : context_(context), client_(std::move(stream)), tls_(tls), proxy_protocol_(proxy_protocol) {
  set_client_address(peer.address());
  context_.deadlines.link(*this);
}

template <class ClientStream>
void http_session<ClientStream>::set_client_address(const boost::asio::ip::address& address) {
  client_address_ = address;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    client_address_ = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  client_ip_ = client_address_.to_string();
}

template <class ClientStream>
http_session<ClientStream>::~http_session() {
  context_.deadlines.unlink(*this);
  if (!handed_off_) {
    context_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  }
}

template <class ClientStream>
void http_session<ClientStream>::start() {
  if (proxy_protocol_) {
    do_read_proxy_header();
  } else {
    start_protocol();
  }
}

template <class ClientStream>
void http_session<ClientStream>::start_protocol() {
  if constexpr (is_tls_stream<ClientStream>) {
    // The handshake counts against the request header timeout, like the head.
    set_deadline(context_.table->settings().timeouts.request_header);
    client_.async_handshake(boost::asio::ssl::stream_base::server,
                            [self = this->shared_from_this()](const error_code& ec) {
                              if (ec) {
                                self->close(false);
                                return;
                              }
                              self->do_read_request_head();
                            });
  } else {
    do_read_request_head();
  }
}

template <class ClientStream>
void http_session<ClientStream>::set_deadline(std::chrono::milliseconds from_now) {
  deadline = clock::now() + from_now;
}

template <class ClientStream>
void http_session<ClientStream>::on_deadline() {
  timed_out_ = true;
  error_code ignored;
  session_detail::lowest_socket(client_).cancel(ignored);
  if (upstream_) {
    upstream_->socket.cancel(ignored);
  }
}

template <class ClientStream>
void http_session<ClientStream>::on_shutdown() {
  if (phase_ == phase::idle) {
    // Waiting for a next request that will not be served: close now, so a
    // restart does not wait for keep-alive clients to go away on their own.
    close(false);
  }
  // Otherwise client_keep_alive_ is cleared when the exchange's response starts.
}

template <class ClientStream>
void http_session<ClientStream>::do_read_request_head() {
  const auto& settings = context_.table->settings();
  phase_ = client_in_.empty() ? phase::idle : phase::request_head;
  if (!client_in_.empty()) {
    // A pipelined request may already be buffered.
    on_request_head_bytes({}, 0);
    return;
  }
  set_deadline(settings.timeouts.idle);
  if (!client_in_.prepare(session_detail::read_chunk,
                          settings.limits.max_request_header_bytes + session_detail::read_chunk)) {
    close();
    return;
  }
  client_.async_read_some(boost::asio::buffer(client_in_.write_ptr(), client_in_.write_space()),
                          [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                            self->on_request_head_bytes(ec, n);
                          });
}

template <class ClientStream>
void http_session<ClientStream>::on_request_head_bytes(const error_code& ec, std::size_t n) {
  const auto& settings = context_.table->settings();
  if (ec) {
    if (phase_ == phase::request_head && timed_out_) {
      send_error(408, true);
    } else {
      close(false);
    }
    return;
  }
  client_in_.commit(n);
  if (phase_ == phase::idle) {
    phase_ = phase::request_head;
    set_deadline(settings.timeouts.request_header);
  }
  head_limits limits{settings.limits.max_request_header_bytes, 128};
  switch (parse_request_head(client_in_.view(), limits, head_)) {
    case parse_status::ok:
      handle_request_head();
      return;
    case parse_status::incomplete:
      break;
    case parse_status::bad_request:
      send_error(400, true);
      return;
    case parse_status::header_too_large:
      send_error(431, true);
      return;
    case parse_status::not_implemented:
      send_error(501, true);
      return;
    case parse_status::bad_version:
      send_error(505, true);
      return;
  }
  if (!client_in_.prepare(session_detail::read_chunk,
                          settings.limits.max_request_header_bytes + session_detail::read_chunk)) {
    send_error(431, true);
    return;
  }
  client_.async_read_some(boost::asio::buffer(client_in_.write_ptr(), client_in_.write_space()),
                          [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                            self->on_request_head_bytes(ec, n);
                          });
}

template <class ClientStream>
void http_session<ClientStream>::handle_request_head() {
  // Everything the later phases need is copied out of head_ here: its views die
  // once the head's bytes are consumed from client_in_.
  table_ = context_.table;
  const auto& settings = table_->settings();
  request_started_ = clock::now();
  clear_deadline();
  stack_index_ = endpoint_index_ = -1;
  upstream_reused_ = retried_ = response_started_ = false;
  uploading_ = upload_aborted_ = false;
  attempts_ = 0;
  tried_ = {};
  context_.earn_retry_token(settings.retries.budget_ratio);
  response_status_ = 0;
  client_version_minor_ = head_.version_minor;
  client_keep_alive_ = head_.wants_keep_alive() && !context_.shutting_down;
  request_is_head_ = head_.method == "HEAD";
  request_idempotent_ = session_detail::is_idempotent(head_.method);
  request_expect_continue_ = head_.expect_continue;
  is_websocket_ =
      head_.connection.upgrade && iequals(head_.upgrade, "websocket") && head_.method == "GET";
  request_body_.start(head_.framing, head_.content_length);
  bytes_in_ = head_.head_bytes;
  bytes_out_ = 0;
  upstream_time_ = {};
  log_this_ = context_.access_log != nullptr && context_.access_log->sample();
  if (log_this_) {
    log_method_.assign(head_.method);
    log_path_.assign(head_.target);
  }

  if (head_.framing == body_framing::content_length &&
      head_.content_length > settings.limits.max_request_body_bytes) {
    client_in_.consume(head_.head_bytes);
    send_error(413, true);
    return;
  }
  if (!pick_upstream()) {
    client_in_.consume(head_.head_bytes);
    send_error(503, request_body_.has_body());
    return;
  }
  const auto& stack = table_->stacks()[static_cast<std::size_t>(stack_index_)];
  const auto& endpoint = stack.endpoints[static_cast<std::size_t>(endpoint_index_)];
  if (head_.request_id.empty()) {
    context_.request_ids.next(request_id_);
  } else if (log_this_) {
    request_id_.assign(head_.request_id);
  }
  const auto* trusted = table_->trusted_proxies();
  const bool keep_forwarded_for = trusted == nullptr || trusted->contains(client_address_);
  write_upstream_request_head(
      head_, {client_ip_, tls_, request_id_, endpoint.name, is_websocket_, keep_forwarded_for},
      upstream_head_);
  client_in_.consume(head_.head_bytes);
  acquire_connection();
}

template <class ClientStream>
bool http_session<ClientStream>::pick_upstream() {
  const auto& table = *table_;
  const auto& routing = table.settings().routing;
  routing::route_inputs inputs;
  if (!routing.override_header.empty()) {
    inputs.override_stack = find_header(head_, routing.override_header);
  }
  if (!routing.sticky.cookie.empty()) {
    inputs.sticky_cookie = find_cookie(head_, routing.sticky.cookie);
  }
  using key_source = sticky_config::key_source;
  if (routing.sticky.hash_source == key_source::header) {
    inputs.hash_key = find_header(head_, routing.sticky.hash_name);
  } else if (routing.sticky.hash_source == key_source::cookie) {
    inputs.hash_key = find_cookie(head_, routing.sticky.hash_name);
  }
  // Stacks whose every endpoint this worker found unreachable are skipped like
  // unhealthy ones, so a dead stack fails over before health checks notice.
  routing::stack_filter usable{
      [](const void* ctx, const routing::stack_entry& stack) {
        return static_cast<const session_context*>(ctx)->outliers.stack_usable(stack, clock::now());
      },
      &context_};
  auto decision = routing::route_request(table, context_.picker, inputs,
                                         !routing.sticky.cookie.empty(), usable);
  if (decision.stack < 0) {
    // Everything looks ejected here: fall back to the table's own health.
    decision =
        routing::route_request(table, context_.picker, inputs, !routing.sticky.cookie.empty());
  }
  if (decision.stack < 0) {
    return false;
  }
  const auto& stack = table.stacks()[static_cast<std::size_t>(decision.stack)];
  int endpoint =
      context_.selector.pick(stack, stack.balancer, context_.outliers, tried_, clock::now());
  if (endpoint < 0) {
    return false;
  }
  stack_index_ = decision.stack;
  endpoint_index_ = endpoint;
  set_cookie_.clear();
  if (decision.set_cookie) {
    write_sticky_cookie(set_cookie_, routing.sticky.cookie, stack.name, routing.sticky.cookie_ttl,
                        tls_);
  }
  return true;
}

template <class ClientStream>
void http_session<ClientStream>::acquire_connection() {
  const auto& endpoint = table_->stacks()[static_cast<std::size_t>(stack_index_)]
                             .endpoints[static_cast<std::size_t>(endpoint_index_)];
  context_.selector.on_start(endpoint.id);
  endpoint_started_ = true;
  upstream_ = context_.pool.take(endpoint.id);
  if (upstream_) {
    upstream_reused_ = true;
    do_write_request_head();
  } else {
    do_connect();
  }
}

template <class ClientStream>
void http_session<ClientStream>::do_connect() {
  const auto& endpoint = current_endpoint();
  upstream_ = context_.pool.make(endpoint.id);
  upstream_reused_ = false;
  phase_ = phase::connect;
  set_deadline(table_->settings().timeouts.connect);
  upstream_->socket.async_connect(
      endpoint.address,
      [self = this->shared_from_this()](const error_code& ec) { self->on_connect(ec); });
}

template <class ClientStream>
void http_session<ClientStream>::on_connect(const error_code& ec) {
  if (ec) {
    note_endpoint_result(true);
    if (!timed_out_) {
      context_.outliers.on_unreachable(current_endpoint().id, clock::now());
    }
    // Nothing was sent: any request may go elsewhere.
    if (timed_out_ || !retry_elsewhere(false)) {
      upstream_failed(timed_out_ ? 504 : 502);
    }
    return;
  }
  error_code ignored;
  upstream_->socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  metrics::bump(context_.metrics.stack(table_->stacks()[static_cast<std::size_t>(stack_index_)].id)
                    .upstream_connections_opened);
  do_write_request_head();
}

template <class ClientStream>
void http_session<ClientStream>::do_write_request_head() {
  // The head and whatever body bytes are already buffered go out in one write.
  phase_ = phase::request_body;
  set_deadline(table_->settings().timeouts.upstream_response);
  upstream_started_ = clock::now();
  pending_body_bytes_ = request_body_.take(client_in_.view(), request_out_);
  if (request_body_.failed() ||
      request_body_.announced_bytes() > table_->settings().limits.max_request_body_bytes) {
    release_upstream(false);
    send_error(request_body_.failed() ? 400 : 413, true);
    return;
  }
  boost::asio::async_write(upstream_->socket,
                           session_detail::gather(upstream_head_, request_out_, request_buffers_),
                           [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                             self->on_request_head_written(ec);
                           });
}

template <class ClientStream>
void http_session<ClientStream>::on_request_head_written(const error_code& ec) {
  if (ec) {
    if (!retry_on_fresh_connection()) {
      note_endpoint_result(true);
      if (timed_out_ || !retry_elsewhere(true)) {
        upstream_failed(timed_out_ ? 504 : 502);
      }
    }
    return;
  }
  client_in_.consume(pending_body_bytes_);
  bytes_in_ += pending_body_bytes_;
  pending_body_bytes_ = 0;
  if (request_body_.complete()) {
    do_read_response_head();
    return;
  }
  // The rest of the body streams while the response is read: an upstream may
  // answer before the upload ends (an echo, an early 413), and waiting for the
  // whole body first would deadlock once both socket buffers are full.
  uploading_ = true;
  upload_aborted_ = false;
  if (request_expect_continue_) {
    do_send_continue();
  } else {
    do_read_response_head();
    do_read_request_body();
  }
}

template <class ClientStream>
void http_session<ClientStream>::do_send_continue() {
  // The proxy answers Expect itself (and strips it upstream), as nginx does: the
  // client then sends its body, which is relayed as it arrives. The response is
  // read only after this write, so the two never overlap on the client socket.
  request_expect_continue_ = false;
  static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
  boost::asio::async_write(client_, boost::asio::buffer(continue_line),
                           [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                             if (ec) {
                               self->uploading_ = false;
                               self->close(false);
                               return;
                             }
                             self->do_read_response_head();
                             self->do_read_request_body();
                           });
}

template <class ClientStream>
void http_session<ClientStream>::do_read_request_body() {
  set_deadline(table_->settings().timeouts.idle);
  client_in_.prepare(session_detail::read_chunk,
                     client_in_.capacity() + session_detail::read_chunk);
  client_.async_read_some(boost::asio::buffer(client_in_.write_ptr(), client_in_.write_space()),
                          [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                            self->on_request_body_bytes(ec, n);
                          });
}

template <class ClientStream>
void http_session<ClientStream>::on_request_body_bytes(const error_code& ec, std::size_t n) {
  if (!uploading_ || phase_ == phase::closed) {
    return;  // the response side ended the exchange meanwhile
  }
  if (ec) {
    if (timed_out_) {
      uploading_ = false;  // the response side answers the timeout
      return;
    }
    // The client went away mid-body: the upstream saw a truncated request.
    uploading_ = false;
    release_upstream(false);
    close(false);
    return;
  }
  client_in_.commit(n);
  if (!upstream_) {
    uploading_ = false;
    return;
  }
  do_write_request_body();
}

template <class ClientStream>
void http_session<ClientStream>::do_write_request_body() {
  pending_body_bytes_ = request_body_.take(client_in_.view(), request_out_);
  if (request_body_.failed() ||
      request_body_.announced_bytes() > table_->settings().limits.max_request_body_bytes) {
    abort_upload(request_body_.failed() ? 400 : 413);
    return;
  }
  set_deadline(table_->settings().timeouts.idle);
  boost::asio::async_write(upstream_->socket,
                           session_detail::gather({}, request_out_, request_buffers_),
                           [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                             self->on_request_body_written(ec, n);
                           });
}

template <class ClientStream>
void http_session<ClientStream>::on_request_body_written(const error_code& ec, std::size_t n) {
  if (!uploading_ || phase_ == phase::closed) {
    return;
  }
  if (ec) {
    // The upstream stopped reading (it may have answered early and closed). The
    // response side decides what the client sees; neither connection is reused.
    uploading_ = false;
    upload_aborted_ = true;
    client_keep_alive_ = false;
    return;
  }
  // The write sent the relay's output; the client bytes behind it are now done.
  client_in_.consume(pending_body_bytes_);
  bytes_in_ += pending_body_bytes_;
  pending_body_bytes_ = 0;
  if (!request_body_.complete()) {
    do_read_request_body();
    return;
  }
  uploading_ = false;
  if (!response_started_) {
    set_deadline(table_->settings().timeouts.upstream_response);
  }
}

template <class ClientStream>
void http_session<ClientStream>::abort_upload(int status) {
  // A body the proxy refuses mid-stream: the upstream got part of it, so its
  // connection is dropped; the client gets the status if no response started.
  uploading_ = false;
  upload_aborted_ = true;
  if (response_started_) {
    record(response_status_);
    close();
    return;
  }
  release_upstream(false);
  send_error(status, true);
}

}  // namespace quikedge::http
