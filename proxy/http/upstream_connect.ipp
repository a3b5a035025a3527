// upstream_exchange, first steps: route the request, then take a pooled
// upstream connection or open one. Included by downstream_connection_*.cpp.
#pragma once

#include "http/head_writer.hpp"
#include "http/retry_policy.hpp"
#include "http/route_pick.hpp"
#include "http/upstream_exchange.hpp"

namespace quikedge::http {

template <class Downstream>
bool upstream_exchange<Downstream>::route(message_head& head) {
  // Everything the later phases need is copied out of `head` here: its views
  // die once the head's bytes are consumed from the request bytes.
  head_ = &head;
  auto& request = req();
  settings_ = &request.table->settings();
  request_body_.start(head.framing, head.content_length);
  if (!pick_route(down_.context(), head, down_.tls(), request, set_cookie_)) {
    down_.request_bytes().consume(head.head_bytes);
    down_.reply_error(503, request_body_.has_body());
    return false;
  }
  return true;
}

template <class Downstream>
void upstream_exchange<Downstream>::forward(message_head& head) {
  auto& request = req();
  auto& in = down_.request_bytes();
  if (request.stack().h2c) {
    // Only HTTP/2 streams are bridged to h2c stacks (h2/h2_stream_h2c.cpp);
    // an HTTP/1.x request there would only confuse the endpoint.
    in.consume(head.head_bytes);
    down_.reply_error(502, request_body_.has_body());
    return;
  }
  auto& log = down_.log_fields();
  if (head.request_id.empty()) {
    down_.context().request_ids.next(log.request_id);
  } else if (request.log_this) {
    log.request_id.assign(head.request_id);
  }
  const auto* trusted = request.table->trusted_proxies();
  const bool keep_forwarded_for = trusted == nullptr || trusted->contains(down_.client_address());
  write_upstream_request_head(head,
                              {down_.client_ip(), down_.tls(), log.request_id,
                               request.endpoint().name, request.websocket, keep_forwarded_for},
                              upstream_head_);
  in.consume(head.head_bytes);
  acquire_connection();
}

template <class Downstream>
void upstream_exchange<Downstream>::start_endpoint() {
  down_.context().selector.on_start(req().endpoint().id);
  req().endpoint_started = true;
}

template <class Downstream>
void upstream_exchange<Downstream>::acquire_connection() {
  down_.enter_exchange();
  start_endpoint();
  upstream_ = down_.context().pool.take(req().endpoint().id,
                                        replayable_if_stale(req(), request_body_.has_body())
                                            ? upstream::connection_pool::reuse_check::free_only
                                            : upstream::connection_pool::reuse_check::certain);
  if (upstream_ && pooled_for_other_tls()) [[unlikely]] {
    error_code ignored;
    upstream_->socket.close(ignored);
    upstream_.reset();
  }
  if (upstream_) {
    req().upstream_reused = true;
    do_write_request_head();
  } else {
    do_connect();
  }
}

template <class Downstream>
void upstream_exchange<Downstream>::do_connect() {
  const auto& endpoint = req().endpoint();
  upstream_ = down_.context().pool.make(endpoint.id);
  req().upstream_reused = false;
  down_.set_deadline(settings().timeouts.connect);
  upstream_->socket.async_connect(
      endpoint.address, [self = down_.keep(), this](const error_code& ec) { on_connect(ec); });
}

template <class Downstream>
void upstream_exchange<Downstream>::on_connect(const error_code& ec) {
  auto& context = down_.context();
  if (ec) {
    connect_failed();
    return;
  }
  error_code ignored;
  upstream_->socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  metrics::bump(context.metrics.stack(req().stack().id).upstream_connections_opened);
  if (req().stack().tls) [[unlikely]] {
    start_upstream_tls();
    return;
  }
  do_write_request_head();
}

template <class Downstream>
void upstream_exchange<Downstream>::connect_failed() {
  note_endpoint_result(true);
  if (!down_.timed_out()) {
    down_.context().outliers.on_unreachable(req().endpoint().id, clock::now());
  }
  // Nothing was sent: any request may go elsewhere.
  if (down_.timed_out() || !retry_elsewhere(false)) {
    upstream_failed(down_.timed_out() ? 504 : 502);
  }
}

template <class Downstream>
void upstream_exchange<Downstream>::cancel() {
  if (upstream_) {
    // The connection is abandoned (a deadline passed, or the client reset its
    // stream): a shutdown ends a pending read or write on every backend at once,
    // as an EOF. On io_uring a cancel alone did not reliably end a receive that
    // was already in the kernel. The cancel still ends a connect in progress.
    error_code ignored;
    upstream_->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    upstream_->socket.cancel(ignored);
  }
}

template <class Downstream>
void upstream_exchange<Downstream>::release_upstream(bool reusable) {
  auto& request = req();
  if (request.endpoint_started) {
    request.endpoint_started = false;
    down_.context().selector.on_finish(request.endpoint().id);
  }
  if (!upstream_) {
    return;
  }
  if (reusable) {
    ++upstream_->requests;
    down_.context().pool.give_back(std::move(upstream_));
  } else {
    error_code ignored;
    upstream_->socket.close(ignored);
    upstream_.reset();
  }
}

template <class Downstream>
bool upstream_exchange<Downstream>::end_upload() {
  auto& request = req();
  if (request.upload != upload_state::streaming) {
    return false;
  }
  request.upload = upload_state::aborted;
  return true;
}

}  // namespace quikedge::http
