// upstream_exchange, request direction: the rewritten head and the body bytes
// already buffered in one write, then the rest of the body as it arrives (while
// the response is already being read). Included by downstream_connection_*.cpp.
#pragma once

#include <boost/asio/write.hpp>

#include "http/upstream_exchange.hpp"
#include "net/immediate_write.hpp"

namespace quikedge::http {

template <class Downstream>
void upstream_exchange<Downstream>::do_write_request_head() {
  auto& request = req();
  down_.set_deadline(settings().timeouts.upstream_response);
  request.upstream_started = clock::now();
  request.pending_body_bytes = request_body_.take(down_.request_bytes().view(), request_out_);
  if (request_body_.failed() ||
      request_body_.announced_bytes() > settings().limits.max_request_body_bytes) {
    release_upstream(false);
    down_.reply_error(request_body_.failed() ? 400 : 413, true);
    return;
  }
  upstream::async_write_all(upstream_->stream,
                            exchange_detail::gather(upstream_head_, request_out_, request_buffers_),
                            [self = down_.keep(), this](const error_code& ec, std::size_t) {
                              on_request_head_written(ec);
                            });
}

template <class Downstream>
void upstream_exchange<Downstream>::on_request_head_written(const error_code& ec) {
  auto& request = req();
  if (ec) {
    if (!retry_on_fresh_connection()) {
      note_endpoint_result(true);
      if (down_.timed_out() || !retry_elsewhere(true)) {
        upstream_failed(down_.timed_out() ? 504 : 502);
      }
    }
    return;
  }
  down_.request_bytes().consume(request.pending_body_bytes);
  request.bytes_in += request.pending_body_bytes;
  request.pending_body_bytes = 0;
  if (request_body_.complete()) {
    do_read_response_head();
    return;
  }
  // The rest of the body streams while the response is read: an upstream may
  // answer before the upload ends (an echo, an early 413), and waiting for the
  // whole body first would deadlock once both socket buffers are full.
  request.upload = upload_state::streaming;
  if (request.expect_continue) {
    do_send_continue();
  } else {
    do_read_response_head();
    do_read_request_body();
  }
}

template <class Downstream>
void upstream_exchange<Downstream>::do_send_continue() {
  // The proxy answers Expect itself (and strips it upstream), as nginx does: the
  // client then sends its body, which is relayed as it arrives. The response is
  // read only after this write, so the two never overlap on the client socket.
  req().expect_continue = false;
  static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
  down_.write_interim(continue_line,
                      [self = down_.keep(), this](const error_code& ec, std::size_t) {
                        if (ec) {
                          req().upload = upload_state::idle;
                          down_.close(false);
                          return;
                        }
                        do_read_response_head();
                        do_read_request_body();
                      });
}

template <class Downstream>
void upstream_exchange<Downstream>::do_read_request_body() {
  down_.set_deadline(settings().timeouts.idle);
  down_.read_request_body([self = down_.keep(), this](const error_code& ec, std::size_t n) {
    on_request_body_bytes(ec, n);
  });
}

template <class Downstream>
void upstream_exchange<Downstream>::on_request_body_bytes(const error_code& ec, std::size_t n) {
  auto& request = req();
  if (request.upload != upload_state::streaming || down_.closed()) {
    return;  // the response side ended the exchange meanwhile
  }
  if (ec) {
    request.upload = upload_state::idle;
    if (down_.timed_out()) {
      return;  // the response side answers the timeout
    }
    // The client went away mid-body: the upstream saw a truncated request.
    release_upstream(false);
    down_.close(false);
    return;
  }
  // Committed only now: a read that lost the race with the end of the exchange
  // must not add bytes to a buffer the downstream already reuses.
  down_.request_bytes().commit(n);
  if (!upstream_) {
    request.upload = upload_state::idle;
    return;
  }
  do_write_request_body();
}

template <class Downstream>
void upstream_exchange<Downstream>::do_write_request_body() {
  auto& request = req();
  request.pending_body_bytes = request_body_.take(down_.request_bytes().view(), request_out_);
  if (request_body_.failed() ||
      request_body_.announced_bytes() > settings().limits.max_request_body_bytes) {
    abort_upload(request_body_.failed() ? 400 : 413);
    return;
  }
  down_.set_deadline(settings().timeouts.idle);
  upstream::async_write_all(upstream_->stream,
                            exchange_detail::gather({}, request_out_, request_buffers_),
                            [self = down_.keep(), this](const error_code& ec, std::size_t) {
                              on_request_body_written(ec);
                            });
}

template <class Downstream>
void upstream_exchange<Downstream>::on_request_body_written(const error_code& ec) {
  auto& request = req();
  if (request.upload != upload_state::streaming || down_.closed()) {
    return;
  }
  if (ec) {
    // The upstream stopped reading (it may have answered early and closed). The
    // response side decides what the client sees; neither connection is reused.
    request.upload = upload_state::aborted;
    request.keep_alive = false;
    return;
  }
  // The write sent the relay's output; the client bytes behind it are now done.
  down_.request_bytes().consume(request.pending_body_bytes);
  request.bytes_in += request.pending_body_bytes;
  request.pending_body_bytes = 0;
  if (!request_body_.complete()) {
    do_read_request_body();
    return;
  }
  request.upload = upload_state::idle;
  if (!request.response_started) {
    down_.set_deadline(settings().timeouts.upstream_response);
  }
}

template <class Downstream>
void upstream_exchange<Downstream>::abort_upload(int status) {
  // A body the proxy refuses mid-stream: the upstream got part of it, so its
  // connection is dropped; the client gets the status if no response started.
  auto& request = req();
  request.upload = upload_state::aborted;
  if (request.response_started) {
    down_.record(request.status);
    down_.close();
    return;
  }
  release_upstream(false);
  down_.reply_error(status, true);
}

}  // namespace quikedge::http
