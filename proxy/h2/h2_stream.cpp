// h2_stream: the request side (header list, DATA, flow control) and the
// outcomes of the exchange. The response side is in h2_stream_response.cpp.
#include "h2/h2_stream.hpp"

#include <nghttp2/nghttp2.h>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <cstdio>
#include <cstring>

#include "h2/h2_session.hpp"
#include "h2/upstream_session.hpp"

namespace quikedge::h2 {

h2_stream::h2_stream(std::shared_ptr<h2_session> session, std::int32_t id)
    : session_(std::move(session)),
      id_(id),
      builder_(session_->context().table->settings().limits.max_request_header_bytes) {
  session_->context().deadlines.link(*this);
  // Until its headers end a stream is bounded like an HTTP/1 request head: a
  // client that opens one and goes silent holds the whole connection (nothing
  // but its CONTINUATION may come next) and a connection slot.
  set_deadline(session_->context().table->settings().timeouts.request_header);
}

h2_stream::~h2_stream() {
  session_->context().deadlines.unlink(*this);
}

http::session_context& h2_stream::context() {
  return session_->context();
}
bool h2_stream::tls() const {
  return session_->tls();
}
std::string_view h2_stream::client_ip() const {
  return session_->client_ip();
}
const boost::asio::ip::address& h2_stream::client_address() const {
  return session_->client_address();
}

void h2_stream::on_headers_end(bool end_stream) {
  headers_ended_ = true;
  deadline = http::clock::time_point::max();  // the exchange sets its own from here
  body_ended_ = end_stream;
  auto& context = session_->context();
  // A fresh request per stream, as the HTTP/1 codec starts each request.
  request_.table = context.table;
  request_.started = http::clock::now();
  request_.log_this = context.access_log != nullptr && context.access_log->sample();
  if (request_.log_this) {
    log_.method.assign("-");
    log_.path.assign("-");
  }
  if (builder_.too_large()) {
    reply_error(431, true);
    return;
  }
  std::string head;
  if (const int status = builder_.finish(!end_stream, head); status != 0) {
    reply_error(status, true);
    return;
  }
  chunked_upload_ = !end_stream && head.find("\r\ncontent-length:") == std::string::npos;
  // Only the head: body bytes are staged apart and swapped in (complete_read).
  request_bytes_.prepare(head.size(), head.size());
  std::memcpy(request_bytes_.write_ptr(), head.data(), head.size());
  request_bytes_.commit(head.size());
  start_request(end_stream);
}

void h2_stream::start_request(bool end_stream) {
  const auto& settings = request_.table->settings();
  const http::head_limits limits{settings.limits.max_request_header_bytes + 1024, 256};
  const auto status = http::parse_request_head(request_bytes_.view(), limits, head_);
  if (status != http::parse_status::ok) {
    request_bytes_.clear();
    reply_error(status == http::parse_status::header_too_large ? 431 : 400, true);
    return;
  }
  auto& context = session_->context();
  context.retries.earn(settings.retries.budget_ratio);
  request_.version_minor = 1;
  request_.keep_alive = true;  // per stream: the connection's life is the session's
  request_.is_head = head_.method == "HEAD";
  request_.idempotent = http::is_idempotent(head_.method);
  request_.expect_continue = false;
  request_.websocket = false;  // RFC 8441 extended CONNECT is not offered
  request_.bytes_in = head_.head_bytes;
  if (request_.log_this) {
    log_.method.assign(head_.method);
    log_.path.assign(head_.target);
  }
  if (head_.framing == http::body_framing::content_length &&
      head_.content_length > settings.limits.max_request_body_bytes) {
    request_bytes_.clear();
    reply_error(413, true);
    return;
  }
  started_ = true;
  if (!exchange_.route(head_)) {
    return;
  }
  if (request_.stack().h2c) {
    chunked_upload_ = false;  // DATA is relayed as DATA
    start_h2c();
    return;
  }
  exchange_.forward(head_);
}

std::size_t h2_stream::on_data(const std::uint8_t* data, std::size_t size) {
  if (over_ || !started_) {
    return size;  // nobody reads it: give the window back at once
  }
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  char size_line[24];
  int line = 0;
  if (chunked_upload_) {
    line = std::snprintf(size_line, sizeof size_line, "%zx\r\n", size);
  }
  const std::size_t needed = bytes.size() + static_cast<std::size_t>(line) + 2;
  // The window bounds what can be buffered; the limit only guards against a bug.
  if (!staged_.prepare(needed, staged_.size() + needed + 64 * 1024 * 1024)) {
    reset_stream(NGHTTP2_INTERNAL_ERROR);
    return size;
  }
  char* out = staged_.write_ptr();
  std::memcpy(out, size_line, static_cast<std::size_t>(line));
  std::memcpy(out + line, bytes.data(), bytes.size());
  std::size_t written = static_cast<std::size_t>(line) + bytes.size();
  if (chunked_upload_) {
    std::memcpy(out + written, "\r\n", 2);
    written += 2;
  }
  staged_.commit(written);
  unacknowledged_ += size;
  if (h2c_) {
    set_deadline(request_.table->settings().timeouts.idle);
    if (upstream_deferred_ && upstream_) {
      upstream_deferred_ = false;
      upstream_->resume(upstream_id_);
    }
    return 0;
  }
  if (pending_read_) {
    complete_read();
  }
  return 0;
}

void h2_stream::on_end_stream() {
  body_ended_ = true;
  if (over_ || !started_) {
    return;
  }
  if (chunked_upload_) {
    static constexpr std::string_view last_chunk = "0\r\n\r\n";
    staged_.prepare(last_chunk.size(), staged_.size() + 1024 * 1024 * 1024);
    std::memcpy(staged_.write_ptr(), last_chunk.data(), last_chunk.size());
    staged_.commit(last_chunk.size());
  }
  if (h2c_ && upstream_deferred_ && upstream_) {
    upstream_deferred_ = false;
    upstream_->resume(upstream_id_);
  }
  if (pending_read_) {
    complete_read();
  }
}

void h2_stream::acknowledge_body() {
  // The exchange asks for more: what it had was written upstream.
  if (unacknowledged_ > 0 && !session_->transport_gone()) {
    nghttp2_session_consume(session_->native(), id_, unacknowledged_);
    unacknowledged_ = 0;
    session_->request_send();
  }
}

void h2_stream::complete_read() {
  if (!pending_read_) {
    return;
  }
  // The exchange has no write from request_bytes_ in flight now: the staged
  // bytes move in (by swapping buffers when it is empty, the usual case), and
  // the exchange commits 0 more.
  if (request_bytes_.empty()) {
    std::swap(request_bytes_, staged_);
  } else if (!staged_.empty()) {
    request_bytes_.prepare(staged_.size(), request_bytes_.size() + staged_.size());
    std::memcpy(request_bytes_.write_ptr(), staged_.data(), staged_.size());
    request_bytes_.commit(staged_.size());
    staged_.clear();
  }
  error_code ec;
  if (reset_) {
    ec = boost::asio::error::connection_reset;
  } else if (request_bytes_.empty() && body_ended_) {
    ec = boost::asio::error::eof;  // END_STREAM before the announced length
  }
  post_completion(std::move(pending_read_), ec, 0);
  pending_read_ = nullptr;
}

void h2_stream::post_completion(io_handler handler, const error_code& ec, std::size_t n) {
  boost::asio::post(session_->context().io,
                    [handler = std::move(handler), ec, n]() { handler(ec, n); });
}

void h2_stream::fail_pending(const error_code& ec) {
  if (pending_read_) {
    post_completion(std::move(pending_read_), ec, 0);
    pending_read_ = nullptr;
  }
  if (pending_write_) {
    post_completion(std::move(pending_write_), ec, 0);
    pending_write_ = nullptr;
  }
}

void h2_stream::on_deadline() {
  deadline = http::clock::time_point::max();
  timed_out_ = true;
  if (!headers_ended_) {
    session_->headers_timed_out();
    return;
  }
  if (h2c_) {
    cancel_h2c();  // posted: the sweeper may not see entries freed
    return;
  }
  exchange_.cancel();
  fail_pending(boost::asio::error::timed_out);
}

void h2_stream::on_closed(std::uint32_t error_code) {
  stream_closed_ = true;
  if (unacknowledged_ > 0 && !session_->transport_gone()) {
    nghttp2_session_consume_connection(session_->native(), unacknowledged_);
    unacknowledged_ = 0;
  }
  if (over_ || !started_ || eof_sent_) {
    return;  // a complete response: the exchange finishes on its own
  }
  // The client reset the stream (or the connection went away) while the
  // exchange runs: fail it the way a timeout does, so the upstream connection
  // is closed and nothing is retried.
  reset_ = true;
  if (h2c_) {
    cancel_h2c();
    return;
  }
  exchange_.cancel();
  fail_pending(boost::asio::error::connection_reset);
}

void h2_stream::record(int status) {
  http::record_request(session_->context(), request_, log_, session_->client_ip(), status);
}

void h2_stream::end_exchange() {
  over_ = true;
  deadline = http::clock::time_point::max();
  request_.table.reset();
  // A body the client still uploads is dropped as it arrives (on_data gives
  // its window back), so it cannot stall the connection.
}

void h2_stream::reset_stream(std::uint32_t error_code) {
  if (stream_closed_ || session_->transport_gone()) {
    return;
  }
  nghttp2_submit_rst_stream(session_->native(), NGHTTP2_FLAG_NONE, id_, error_code);
  session_->request_send();
}

void h2_stream::close(bool) {
  // The exchange cuts a response it cannot finish: the client must see it as
  // incomplete, which on HTTP/2 is a reset stream.
  end_exchange();
  reset_stream(NGHTTP2_INTERNAL_ERROR);
}

void h2_stream::hand_off(upstream::upstream_connection_ptr, util::byte_buffer, routing::stack_id,
                         std::chrono::milliseconds, std::string_view) {
  // Never reached: no stream asks for an upgrade (request().websocket is false).
  close();
}

}  // namespace quikedge::h2
