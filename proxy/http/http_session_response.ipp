// http_session, response side: read the upstream's response head, rewrite it,
// stream the body to the client, then recycle both connections. Also the error
// paths. Included by http_session_*.cpp.
#pragma once

#include <boost/asio/write.hpp>

#include "http/head_writer.hpp"
#include "http/http_session.hpp"
#include "http/ws_tunnel.hpp"

namespace quikedge::http {

template <class ClientStream>
void http_session<ClientStream>::do_read_response_head() {
  phase_ = phase::response_head;
  // While the body still uploads, the client sets the pace: idle timeout.
  set_deadline(uploading_ ? table_->settings().timeouts.idle
                          : table_->settings().timeouts.upstream_response);
  upstream_in_.prepare(
      session_detail::read_chunk,
      table_->settings().limits.max_request_header_bytes + session_detail::read_chunk);
  upstream_->socket.async_read_some(
      boost::asio::buffer(upstream_in_.write_ptr(), upstream_in_.write_space()),
      [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
        self->on_response_head_bytes(ec, n);
      });
}

template <class ClientStream>
void http_session<ClientStream>::on_response_head_bytes(const error_code& ec, std::size_t n) {
  if (phase_ == phase::closed || phase_ == phase::writing_error) {
    return;  // the upload side already ended the exchange
  }
  if (ec) {
    if (upstream_in_.empty() && retry_on_fresh_connection()) {
      return;
    }
    note_endpoint_result(true);
    if (timed_out_ || !upstream_in_.empty() || !retry_elsewhere(true)) {
      upstream_failed(timed_out_ ? 504 : 502);
    }
    return;
  }
  upstream_in_.commit(n);
  head_limits limits{table_->settings().limits.max_request_header_bytes, 256};
  switch (parse_response_head(upstream_in_.view(), limits, request_is_head_, head_)) {
    case parse_status::ok:
      break;
    case parse_status::incomplete:
      if (!upstream_in_.prepare(session_detail::read_chunk,
                                limits.max_head_bytes + session_detail::read_chunk)) {
        upstream_failed(502);
        return;
      }
      upstream_->socket.async_read_some(
          boost::asio::buffer(upstream_in_.write_ptr(), upstream_in_.write_space()),
          [self = this->shared_from_this()](const error_code& ec2, std::size_t n2) {
            self->on_response_head_bytes(ec2, n2);
          });
      return;
    default:
      upstream_failed(502);
      return;
  }
  if (head_.status < 200) {
    // Interim responses (100 Continue after the proxy already answered Expect,
    // 102, 103) are dropped; 101 needs an upgrade the proxy did not forward.
    if (head_.status == 101) {
      if (is_websocket_) {
        handle_response_head();
      } else {
        upstream_failed(502);
      }
      return;
    }
    upstream_in_.consume(head_.head_bytes);
    on_response_head_bytes({}, 0);
    return;
  }
  handle_response_head();
}

template <class ClientStream>
void http_session<ClientStream>::handle_response_head() {
  response_status_ = head_.status;
  upstream_time_ = clock::now() - upstream_started_;
  note_endpoint_result(head_.status >= 500);
  response_body_.start(head_.framing, head_.content_length);
  upstream_keep_alive_ = head_.wants_keep_alive() && head_.framing != body_framing::until_close;
  // HTTP/1.0 requests go upstream as HTTP/1.0, so a chunked answer is a protocol
  // error the client could not parse.
  if (client_version_minor_ == 0 && head_.framing == body_framing::chunked) {
    upstream_failed(502);
    return;
  }
  if (head_.framing == body_framing::until_close || upload_aborted_ || context_.shutting_down) {
    client_keep_alive_ = false;
  }
  // Answered while the body still uploads (an echo): whether the connection can
  // stay open is known only at the end. If the upload is then unfinished, the
  // proxy closes after the complete response, which HTTP/1.1 allows at any time.
  const auto& stack = table_->stacks()[static_cast<std::size_t>(stack_index_)];
  const bool upgraded = head_.status == 101;
  write_client_response_head(
      head_,
      {client_keep_alive_, client_version_minor_, table_->settings().routing.stack_response_header,
       stack.name, set_cookie_, upgraded},
      client_head_);
  if (upgraded) {
    upstream_in_.consume(head_.head_bytes);
    hand_off_to_tunnel();
    return;
  }
  upstream_in_.consume(head_.head_bytes);
  pending_response_bytes_ = response_body_.take(upstream_in_.view(), response_out_);
  if (response_body_.failed()) {
    upstream_failed(502);
    return;
  }
  response_started_ = true;
  phase_ = phase::response_body;
  set_deadline(table_->settings().timeouts.idle);
  boost::asio::async_write(client_,
                           session_detail::gather(client_head_, response_out_, response_buffers_),
                           [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                             // The head went out with the first body bytes.
                             self->on_response_body_written(ec, n);
                           });
}

template <class ClientStream>
void http_session<ClientStream>::do_read_response_body() {
  set_deadline(table_->settings().timeouts.upstream_response);
  upstream_in_.prepare(session_detail::read_chunk,
                       upstream_in_.capacity() + session_detail::read_chunk);
  upstream_->socket.async_read_some(
      boost::asio::buffer(upstream_in_.write_ptr(), upstream_in_.write_space()),
      [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
        self->on_response_body_bytes(ec, n);
      });
}

template <class ClientStream>
void http_session<ClientStream>::on_response_body_bytes(const error_code& ec, std::size_t n) {
  if (ec == boost::asio::error::eof) {
    response_body_.on_eof();
  }
  if (ec && !response_body_.complete()) {
    // Part of the response already reached the client: all that is left is to
    // cut the connection so the client sees a truncated message, not a wrong one.
    record(response_status_);
    release_upstream(false);
    close();
    return;
  }
  if (response_body_.complete()) {
    finish_exchange();
    return;
  }
  upstream_in_.commit(n);
  pending_response_bytes_ = response_body_.take(upstream_in_.view(), response_out_);
  if (response_body_.failed()) {
    record(response_status_);
    release_upstream(false);
    close();
    return;
  }
  set_deadline(table_->settings().timeouts.idle);
  boost::asio::async_write(
      client_, session_detail::gather({}, response_out_, response_buffers_),
      [self = this->shared_from_this()](const error_code& ec2, std::size_t n2) {
        self->on_response_body_written(ec2, n2);
      });
}

template <class ClientStream>
void http_session<ClientStream>::on_response_body_written(const error_code& ec, std::size_t n) {
  if (ec) {
    record(response_status_);
    release_upstream(false);
    close();
    return;
  }
  // `n` bytes of the relay's output went out; the upstream bytes behind them are done.
  upstream_in_.consume(pending_response_bytes_);
  bytes_out_ += n;
  pending_response_bytes_ = 0;
  if (response_body_.complete()) {
    finish_exchange();
  } else {
    do_read_response_body();
  }
}

template <class ClientStream>
void http_session<ClientStream>::finish_exchange() {
  record(response_status_);
  if (uploading_) {
    uploading_ = false;  // the upload still pending is cut by close() below
    upload_aborted_ = true;
  }
  if (upload_aborted_) {
    client_keep_alive_ = false;
  }
  // Bytes after the response mean the upstream broke framing: never reuse it.
  release_upstream(upstream_keep_alive_ && upstream_in_.empty() && !upload_aborted_ &&
                   request_body_.complete());
  upstream_in_.clear();
  table_.reset();
  if (!client_keep_alive_) {
    close();
    return;
  }
  do_read_request_head();
}

template <class ClientStream>
void http_session<ClientStream>::hand_off_to_tunnel() {
  // The 101 goes out first; then client and upstream belong to the tunnel, with
  // whatever either side already sent past the upgrade.
  record(101);
  if (endpoint_started_) {
    // A tunnel is not a request in flight for least_request balancing.
    endpoint_started_ = false;
    context_.selector.on_finish(current_endpoint().id);
  }
  phase_ = phase::closed;
  clear_deadline();
  boost::asio::async_write(
      client_, boost::asio::buffer(client_head_),
      [self = this->shared_from_this()](const error_code& ec, std::size_t) {
        if (ec) {
          self->release_upstream(false);
          return;
        }
        const auto& settings = self->table_->settings();
        const auto stack_id =
            self->table_->stacks()[static_cast<std::size_t>(self->stack_index_)].id;
        self->handed_off_ = true;
        std::make_shared<ws_tunnel<ClientStream>>(
            self->context_, std::move(self->client_), std::move(self->upstream_), stack_id,
            settings.routing.websocket.idle_timeout, std::move(self->client_in_),
            std::move(self->upstream_in_))
            ->start();
      });
}

template <class ClientStream>
void http_session<ClientStream>::record(int status) {
  std::size_t index = metrics::no_stack;
  if (stack_index_ >= 0 && table_) {
    index = table_->stacks()[static_cast<std::size_t>(stack_index_)].id;
  }
  const auto elapsed = clock::now() - request_started_;
  context_.metrics.record_request(index, status, elapsed);
  if (log_this_) {
    log_this_ = false;
    const bool routed = stack_index_ >= 0 && endpoint_index_ >= 0 && table_;
    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    context_.access_log->append(
        {std::chrono::system_clock::now(), request_id_, client_ip_, log_method_, log_path_, status,
         routed ? std::string_view(current_stack().name) : "",
         routed ? std::string_view(current_endpoint().name) : "", bytes_in_, bytes_out_,
         duration_cast<microseconds>(elapsed), duration_cast<microseconds>(upstream_time_)});
  }
}

template <class ClientStream>
bool http_session<ClientStream>::retry_on_fresh_connection() {
  // A pooled connection the upstream closed just before our request arrived
  // fails before any response byte. Replaying is safe only when nothing can have
  // been processed twice: an idempotent request without a body, retried once.
  if (!upstream_reused_ || retried_ || timed_out_ || request_body_.has_body() ||
      !request_idempotent_) {
    return false;
  }
  retried_ = true;
  release_upstream(false);
  context_.selector.on_start(current_endpoint().id);
  endpoint_started_ = true;
  do_connect();
  return true;
}

template <class ClientStream>
void http_session<ClientStream>::note_endpoint_result(bool failed) {
  const auto& stack = current_stack();
  const auto id = current_endpoint().id;
  if (!failed) {
    context_.outliers.on_success(id);
  } else if (stack.outlier_detection) {
    context_.outliers.on_failure(stack, id, *stack.outlier_detection, clock::now());
  }
}

template <class ClientStream>
bool http_session<ClientStream>::retry_elsewhere(bool request_may_have_arrived) {
  // A failed connect costs the upstream nothing, so it does not spend budget.
  // A request that may have reached the upstream is replayed only when doing it
  // twice is harmless: idempotent, and without a body (bodies are streamed, not kept).
  if (request_may_have_arrived && (!request_idempotent_ || request_body_.has_body())) {
    return false;
  }
  if (response_started_ || attempts_ >= table_->settings().retries.attempts ||
      (request_may_have_arrived && !context_.take_retry_token())) {
    return false;
  }
  ++attempts_;
  tried_.add(current_endpoint().id);
  release_upstream(false);
  const auto now = clock::now();
  const auto& stacks = table_->stacks();
  // Same stack first, then other stacks that carry weight, then any healthy one.
  int endpoint = context_.selector.pick(current_stack(), current_stack().balancer,
                                        context_.outliers, tried_, now);
  for (int pass = 0; endpoint < 0 && pass < 2; ++pass) {
    for (std::size_t i = 0; i < stacks.size() && endpoint < 0; ++i) {
      if (static_cast<int>(i) == stack_index_ || (pass == 0 && stacks[i].weight == 0)) {
        continue;
      }
      endpoint =
          context_.selector.pick(stacks[i], stacks[i].balancer, context_.outliers, tried_, now);
      if (endpoint >= 0) {
        stack_index_ = static_cast<int>(i);
      }
    }
  }
  if (endpoint < 0) {
    return false;
  }
  endpoint_index_ = endpoint;
  context_.selector.on_start(current_endpoint().id);
  endpoint_started_ = true;
  do_connect();
  return true;
}

template <class ClientStream>
void http_session<ClientStream>::upstream_failed(int status) {
  if (uploading_) {
    uploading_ = false;  // its pending read returns without touching anything
    upload_aborted_ = true;
  }
  release_upstream(false);
  upstream_in_.clear();
  if (response_started_) {
    record(response_status_);
    close();
    return;
  }
  // The client's request stream can be trusted only if its body was fully read.
  send_error(status, timed_out_ || !request_body_.complete());
}

template <class ClientStream>
void http_session<ClientStream>::send_error(int status, bool close_after) {
  if (uploading_) {
    uploading_ = false;
    upload_aborted_ = true;
    close_after = true;
  }
  if (phase_ == phase::idle || phase_ == phase::request_head) {
    // Refused before it was routed: still one request for metrics and the log.
    request_started_ = clock::now();
    stack_index_ = -1;
    bytes_in_ = client_in_.size();
    bytes_out_ = 0;
    upstream_time_ = {};
    log_this_ = context_.access_log != nullptr && context_.access_log->sample();
    if (log_this_) {
      log_method_.assign("-");
      log_path_.assign("-");
      request_id_.clear();
    }
  }
  phase_ = phase::writing_error;
  response_status_ = status;
  client_keep_alive_ = client_keep_alive_ && !close_after;
  write_error_response(status, !client_keep_alive_, client_head_);
  set_deadline(std::chrono::milliseconds(5000));
  boost::asio::async_write(client_, boost::asio::buffer(client_head_),
                           [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                             self->on_error_written(ec);
                           });
}

template <class ClientStream>
void http_session<ClientStream>::on_error_written(const error_code& ec) {
  bytes_out_ += client_head_.size();
  record(response_status_);
  table_.reset();
  if (ec || !client_keep_alive_) {
    close();
    return;
  }
  do_read_request_head();
}

template <class ClientStream>
void http_session<ClientStream>::release_upstream(bool reusable) {
  if (endpoint_started_) {
    endpoint_started_ = false;
    context_.selector.on_finish(current_endpoint().id);
  }
  if (!upstream_) {
    return;
  }
  if (reusable) {
    ++upstream_->requests;
    context_.pool.give_back(std::move(upstream_));
  } else {
    error_code ignored;
    upstream_->socket.close(ignored);
    upstream_.reset();
  }
}

template <class ClientStream>
void http_session<ClientStream>::close(bool linger) {
  if (phase_ == phase::closed) {
    return;
  }
  phase_ = phase::closed;
  release_upstream(false);
  if (uploading_) {
    // A read of the body is still pending on the client: no second reader.
    uploading_ = false;
    linger = false;
  }
  error_code ignored;
  auto& socket = session_detail::lowest_socket(client_);
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  if (!linger) {
    clear_deadline();
    socket.close(ignored);
    return;
  }
  // Lingering close: closing with unread request bytes would make the kernel
  // send RST, which can destroy the response before the client reads it. Read
  // and drop what the client still sends, for a bounded time.
  set_deadline(std::chrono::milliseconds(2000));
  do_linger();
}

template <class ClientStream>
void http_session<ClientStream>::do_linger() {
  client_in_.clear();
  client_in_.prepare(session_detail::read_chunk,
                     client_in_.capacity() + session_detail::read_chunk);
  client_.async_read_some(boost::asio::buffer(client_in_.write_ptr(), client_in_.write_space()),
                          [self = this->shared_from_this()](const error_code& ec, std::size_t) {
                            if (ec) {
                              error_code ignored;
                              self->clear_deadline();
                              session_detail::lowest_socket(self->client_).close(ignored);
                              return;
                            }
                            self->do_linger();
                          });
}

}  // namespace quikedge::http
