// h2_stream, h2c leg: a stream routed to a `protocol: h2c` stack goes to the
// endpoint as an HTTP/2 stream of a multiplexed upstream_session (no HTTP/1
// translation), so gRPC works end to end: DATA both ways under flow control
// (each side's window opens as the other side takes the bytes) and trailers.
#include <nghttp2/nghttp2.h>
#include <boost/asio/post.hpp>

#include <cstdio>
#include <cstring>

#include "h2/h2_session.hpp"
#include "h2/h2_stream.hpp"
#include "h2/response_fields.hpp"
#include "h2/upstream_session.hpp"

namespace quikedge::h2 {
namespace {

nghttp2_nv field(std::string_view name, std::string_view value) {
  return {const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(name.data())),
          const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(value.data())),
          name.size(), value.size(), NGHTTP2_NV_FLAG_NONE};
}

std::string lower(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

int grpc_code(std::string_view value) {
  int code = 0;
  if (value.empty() || value.size() > 3) {
    return -2;
  }
  for (char c : value) {
    if (c < '0' || c > '9') {
      return -2;
    }
    code = code * 10 + (c - '0');
  }
  return code;
}

}  // namespace

void h2_stream::start_h2c() {
  h2c_ = true;
  auto& context = session_->context();
  const auto& settings = request_.table->settings();
  if (!context.h2c_pool) {
    context.h2c_pool.reset(new upstream_pool);
  }
  upstream_ = context.h2c_pool->get(context, request_.endpoint());
  // The request as the client sent it, with the proxy's forwarding fields.
  if (head_.request_id.empty()) {
    context.request_ids.next(log_.request_id);
  } else if (request_.log_this) {
    log_.request_id.assign(head_.request_id);
  }
  const auto* trusted = request_.table->trusted_proxies();
  std::string forwarded_for(session_->client_ip());
  if (!head_.forwarded_for.empty() &&
      (trusted == nullptr || trusted->contains(session_->client_address()))) {
    forwarded_for = std::string(head_.forwarded_for) + ", " + forwarded_for;
  }
  std::vector<nghttp2_nv> fields;
  fields.reserve(head_.headers.size() + 8);
  fields.push_back(field(":method", head_.method));
  fields.push_back(field(":scheme", "http"));
  fields.push_back(field(":authority", head_.host));
  fields.push_back(field(":path", head_.target));
  for (const auto& header : head_.headers) {
    if (header.name == "host" || header.name == "x-forwarded-for" ||
        header.name == "x-forwarded-proto" || connection_specific(header.name)) {
      continue;
    }
    fields.push_back(field(header.name, header.value));
  }
  fields.push_back(field("te", "trailers"));  // gRPC servers require it
  fields.push_back(field("x-forwarded-for", forwarded_for));
  fields.push_back(field("x-forwarded-proto", session_->tls() ? "https" : "http"));
  if (head_.request_id.empty()) {
    fields.push_back(field("x-request-id", log_.request_id));
  }
  request_.upstream_started = http::clock::now();
  set_deadline(settings.timeouts.upstream_response);
  upstream_id_ =
      upstream_ ? upstream_->submit(shared_from_this(), fields.data(), fields.size(), !body_ended_)
                : -1;
  if (upstream_id_ < 0) {
    upstream_.reset();
    reply_error(502, true);
  }
}

long h2_stream::read_upstream_body(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags) {
  const std::size_t n = std::min(length, staged_.size());
  std::memcpy(buffer, staged_.data(), n);
  staged_.consume(n);
  if (n > 0 && !session_->transport_gone() && !stream_closed_) {
    // The upstream took them: the client may send as much again.
    nghttp2_session_consume(session_->native(), id_, n);
    unacknowledged_ -= std::min(unacknowledged_, n);
    session_->request_send();
  }
  if (staged_.empty() && body_ended_) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<long>(n);
  }
  if (n == 0) {
    upstream_deferred_ = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<long>(n);
}

void h2_stream::on_upstream_header(std::string_view name, std::string_view value) {
  const bool trailer = upstream_head_;
  if (name == "grpc-status") {
    grpc_status_ = grpc_code(value);
  }
  if (trailer) {
    trailer_fields_.emplace_back(name, value);
  } else if (name == ":status") {
    upstream_status_ = grpc_code(value);
  } else if (!connection_specific(name)) {
    upstream_fields_.emplace_back(name, value);
  }
}

void h2_stream::on_upstream_head_frame(bool end_stream) {
  if (upstream_status_ >= 100 && upstream_status_ < 200) {
    // 103 Early Hints and the like: the final head follows in another HEADERS.
    upstream_fields_.clear();
    upstream_status_ = 0;
    return;
  }
  on_upstream_head(end_stream);
}

void h2_stream::on_upstream_head(bool end_stream) {
  upstream_head_ = true;
  upstream_ended_ = end_stream;
  if (over_ || stream_closed_ || session_->transport_gone()) {
    return;
  }
  const auto& settings = request_.table->settings();
  request_.status = upstream_status_;
  request_.upstream_time = http::clock::now() - request_.upstream_started;
  request_.response_started = true;
  set_deadline(settings.timeouts.idle);
  char digits[4];
  std::snprintf(digits, sizeof digits, "%03d", upstream_status_ % 1000);
  std::vector<nghttp2_nv> fields;
  fields.reserve(upstream_fields_.size() + 3);
  fields.push_back(field(":status", {digits, 3}));
  for (const auto& [name, value] : upstream_fields_) {
    fields.push_back(field(name, value));
  }
  const std::string stack_header = lower(settings.routing.stack_response_header);
  if (!stack_header.empty()) {
    fields.push_back(field(stack_header, request_.stack().name));
  }
  if (!exchange_.set_cookie().empty()) {
    fields.push_back(field("set-cookie", exchange_.set_cookie()));
  }
  nghttp2_data_provider provider{};
  provider.source.ptr = this;
  provider.read_callback = [](nghttp2_session*, std::int32_t, std::uint8_t* buffer,
                              std::size_t length, std::uint32_t* flags, nghttp2_data_source* source,
                              void*) -> ssize_t {
    return static_cast<h2_stream*>(source->ptr)->read_data(buffer, length, flags);
  };
  head_submitted_ = true;
  has_body_provider_ = !end_stream;
  eof_sent_ = end_stream;  // a trailers-only answer (gRPC errors) ends in its HEADERS
  nghttp2_submit_response(session_->native(), id_, fields.data(), fields.size(),
                          end_stream ? nullptr : &provider);
  session_->request_send();
}

void h2_stream::on_upstream_data(std::string_view bytes) {
  if (over_ || stream_closed_) {
    upstream_->consume(upstream_id_, bytes.size());  // nobody reads them
    return;
  }
  relay_.append(bytes);
  set_deadline(request_.table->settings().timeouts.idle);
  if (deferred_) {
    deferred_ = false;
    nghttp2_session_resume_data(session_->native(), id_);
  }
  session_->request_send();
}

void h2_stream::on_upstream_end(bool) {
  upstream_ended_ = true;
  if (deferred_ && !stream_closed_ && !session_->transport_gone()) {
    deferred_ = false;
    nghttp2_session_resume_data(session_->native(), id_);
    session_->request_send();
  }
}

long h2_stream::read_relayed(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags) {
  const std::size_t n = std::min(length, relay_.size() - relay_front_);
  std::memcpy(buffer, relay_.data() + relay_front_, n);
  relay_front_ += n;
  request_.bytes_out += n;
  if (n > 0 && upstream_) {
    upstream_->consume(upstream_id_, n);  // the client took them
  }
  if (relay_front_ == relay_.size()) {
    relay_.clear();
    relay_front_ = 0;
    if (upstream_ended_) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      eof_sent_ = true;
      stop_open_upload();
      if (!trailer_fields_.empty()) {
        std::vector<nghttp2_nv> fields;
        fields.reserve(trailer_fields_.size());
        for (const auto& [name, value] : trailer_fields_) {
          fields.push_back(field(name, value));
        }
        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_submit_trailer(session_->native(), id_, fields.data(), fields.size());
      }
      return static_cast<long>(n);
    }
  }
  if (n == 0) {
    deferred_ = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<long>(n);
}

void h2_stream::on_upstream_closed(std::uint32_t error_code) {
  auto keep_alive = shared_from_this();  // the session just dropped its reference
  // Bytes still waiting for the client hold part of the upstream connection's
  // window, which only consume() gives back, and that needs the session: it
  // goes now. Without this the window shrank by the tail of every answer (which
  // usually arrives with the stream's end) until the connection stalled.
  if (upstream_ && relay_.size() > relay_front_) {
    upstream_->consume(upstream_id_, relay_.size() - relay_front_);
  }
  upstream_.reset();
  if (over_) {
    return;
  }
  if (!upstream_head_) {
    reply_error(timed_out_ ? 504 : 502, true);
    return;
  }
  record(request_.status);
  if (grpc_status_ != -1) {
    const auto slot = grpc_status_ >= 0 && grpc_status_ < static_cast<int>(metrics::grpc_statuses)
                          ? static_cast<std::size_t>(grpc_status_)
                          : metrics::grpc_statuses;
    metrics::bump(session_->context().metrics.stack(request_.stack().id).grpc_by_status[slot]);
  }
  if (upstream_ended_ && error_code == NGHTTP2_NO_ERROR) {
    end_exchange();  // the rest of the relay and the trailers go out on their own
    return;
  }
  close();  // cut mid-body: the client must see it incomplete
}

void h2_stream::cancel_h2c() {
  boost::asio::post(session_->context().io, [self = shared_from_this()] {
    if (self->over_) {
      return;
    }
    if (self->upstream_) {
      self->upstream_->cancel(self->upstream_id_);  // its close ends the exchange
    } else {
      self->reply_error(504, true);
    }
  });
}

}  // namespace quikedge::h2
