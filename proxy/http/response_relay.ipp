// upstream_exchange, response direction: read the upstream's response head,
// rewrite it, stream the body into the downstream's sink, then recycle the
// upstream connection. Included by downstream_connection_*.cpp.
#pragma once

#include "http/head_writer.hpp"
#include "http/upstream_exchange.hpp"

namespace quikedge::http {

template <class Downstream>
void upstream_exchange<Downstream>::do_read_response_head() {
  // While the body still uploads, the client sets the pace: idle timeout.
  down_.set_deadline(req().upload == upload_state::streaming
                         ? settings().timeouts.idle
                         : settings().timeouts.upstream_response);
  upstream_in_.prepare(read_chunk, settings().limits.max_request_header_bytes + read_chunk);
  upstream_->stream.async_read_some(
      boost::asio::buffer(upstream_in_.write_ptr(), upstream_in_.write_space()),
      [self = down_.keep(), this](const error_code& ec, std::size_t n) {
        on_response_head_bytes(ec, n);
      });
}

template <class Downstream>
void upstream_exchange<Downstream>::on_response_head_bytes(const error_code& ec, std::size_t n) {
  if (down_.exchange_over()) {
    return;  // the upload side already ended the exchange
  }
  if (ec) {
    if (upstream_in_.empty() && retry_on_fresh_connection()) {
      return;
    }
    note_endpoint_result(true);
    if (down_.timed_out() || !upstream_in_.empty() || !retry_elsewhere(true)) {
      upstream_failed(down_.timed_out() ? 504 : 502);
    }
    return;
  }
  upstream_in_.commit(n);
  auto& head = *head_;
  head_limits limits{settings().limits.max_request_header_bytes, 256};
  switch (parse_response_head(upstream_in_.view(), limits, req().is_head, head)) {
    case parse_status::ok:
      break;
    case parse_status::incomplete:
      if (!upstream_in_.prepare(read_chunk, limits.max_head_bytes + read_chunk)) {
        upstream_failed(502);
        return;
      }
      upstream_->stream.async_read_some(
          boost::asio::buffer(upstream_in_.write_ptr(), upstream_in_.write_space()),
          [self = down_.keep(), this](const error_code& ec2, std::size_t n2) {
            on_response_head_bytes(ec2, n2);
          });
      return;
    default:
      upstream_failed(502);
      return;
  }
  if (head.status < 200) {
    // Interim responses (100 Continue after the proxy already answered Expect,
    // 102, 103) are dropped; 101 needs an upgrade the proxy did not forward.
    if (head.status == 101) {
      if (req().websocket) {
        handle_response_head();
      } else {
        upstream_failed(502);
      }
      return;
    }
    upstream_in_.consume(head.head_bytes);
    on_response_head_bytes({}, 0);
    return;
  }
  handle_response_head();
}

template <class Downstream>
void upstream_exchange<Downstream>::handle_response_head() {
  auto& request = req();
  const auto& head = *head_;
  request.status = head.status;
  request.upstream_time = clock::now() - request.upstream_started;
  note_endpoint_result(head.status >= 500);
  response_body_.start(head.framing, head.content_length);
  request.upstream_keep_alive =
      head.wants_keep_alive() && head.framing != body_framing::until_close;
  // HTTP/1.0 requests go upstream as HTTP/1.0, so a chunked answer is a protocol
  // error the client could not parse.
  if (request.version_minor == 0 && head.framing == body_framing::chunked) {
    upstream_failed(502);
    return;
  }
  if (head.framing == body_framing::until_close || request.upload == upload_state::aborted ||
      down_.context().shutting_down) {
    request.keep_alive = false;
  }
  // Answered while the body still uploads (an echo): whether the connection can
  // stay open is known only at the end. If the upload is then unfinished, the
  // proxy closes after the complete response, which HTTP/1.1 allows at any time.
  const bool upgraded = head.status == 101;
  write_client_response_head(
      head,
      {request.keep_alive, request.version_minor, settings().routing.stack_response_header,
       request.stack().name, set_cookie_, upgraded},
      client_head_);
  upstream_in_.consume(head.head_bytes);
  if (upgraded) {
    hand_off_to_tunnel();
    return;
  }
  request.pending_response_bytes = response_body_.take(upstream_in_.view(), response_out_);
  if (response_body_.failed()) {
    upstream_failed(502);
    return;
  }
  request.response_started = true;
  down_.set_deadline(settings().timeouts.idle);
  // The head goes out with the first body bytes.
  down_.write_response(exchange_detail::gather(client_head_, response_out_, response_buffers_),
                       [self = down_.keep(), this](const error_code& ec, std::size_t n) {
                         on_response_body_written(ec, n);
                       });
}

template <class Downstream>
void upstream_exchange<Downstream>::do_read_response_body() {
  down_.set_deadline(settings().timeouts.upstream_response);
  upstream_in_.prepare(read_chunk, upstream_in_.capacity() + read_chunk);
  upstream_->stream.async_read_some(
      boost::asio::buffer(upstream_in_.write_ptr(), upstream_in_.write_space()),
      [self = down_.keep(), this](const error_code& ec, std::size_t n) {
        on_response_body_bytes(ec, n);
      });
}

template <class Downstream>
void upstream_exchange<Downstream>::on_response_body_bytes(const error_code& ec, std::size_t n) {
  auto& request = req();
  if (ec == boost::asio::error::eof) {
    response_body_.on_eof();
  }
  if (ec && !response_body_.complete()) {
    // Part of the response already reached the client: all that is left is to
    // cut the connection so the client sees a truncated message, not a wrong one.
    down_.record(request.status);
    release_upstream(false);
    down_.close();
    return;
  }
  if (response_body_.complete()) {
    finish_exchange();
    return;
  }
  upstream_in_.commit(n);
  request.pending_response_bytes = response_body_.take(upstream_in_.view(), response_out_);
  if (response_body_.failed()) {
    down_.record(request.status);
    release_upstream(false);
    down_.close();
    return;
  }
  down_.set_deadline(settings().timeouts.idle);
  down_.write_response(exchange_detail::gather({}, response_out_, response_buffers_),
                       [self = down_.keep(), this](const error_code& ec2, std::size_t n2) {
                         on_response_body_written(ec2, n2);
                       });
}

template <class Downstream>
void upstream_exchange<Downstream>::on_response_body_written(const error_code& ec, std::size_t n) {
  auto& request = req();
  if (ec) {
    down_.record(request.status);
    release_upstream(false);
    down_.close();
    return;
  }
  // `n` bytes of the relay's output went out; the upstream bytes behind them are done.
  upstream_in_.consume(request.pending_response_bytes);
  request.bytes_out += n;
  request.pending_response_bytes = 0;
  if (response_body_.complete()) {
    finish_exchange();
  } else {
    do_read_response_body();
  }
}

template <class Downstream>
void upstream_exchange<Downstream>::finish_exchange() {
  auto& request = req();
  down_.record(request.status);
  // An upload still pending is cut by the close that follows.
  if (request.upload != upload_state::idle) {
    request.upload = upload_state::aborted;
    request.keep_alive = false;
  }
  // Bytes after the response mean the upstream broke framing: never reuse it.
  release_upstream(request.upstream_keep_alive && upstream_in_.empty() &&
                   request.upload != upload_state::aborted && request_body_.complete());
  upstream_in_.clear();
  down_.exchange_done();
}

template <class Downstream>
void upstream_exchange<Downstream>::hand_off_to_tunnel() {
  // The 101 goes out first; then client and upstream belong to the tunnel, with
  // whatever either side already sent past the upgrade.
  auto& request = req();
  down_.record(101);
  if (request.endpoint_started) {
    // A tunnel is not a request in flight for least_request balancing.
    request.endpoint_started = false;
    down_.context().selector.on_finish(request.endpoint().id);
  }
  down_.hand_off(std::move(upstream_), std::move(upstream_in_), request.stack().id,
                 settings().routing.websocket.idle_timeout, client_head_);
}

}  // namespace quikedge::http
