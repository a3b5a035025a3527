// h2_stream, response side: the exchange's HTTP/1.1 response head becomes
// HEADERS, its (de-chunked) body DATA within the client's window, and the
// proxy's own error replies a short text response.
#include <nghttp2/nghttp2.h>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <vector>

#include "h2/h2_session.hpp"
#include "h2/h2_stream.hpp"
#include "h2/response_fields.hpp"
#include "http/head_writer.hpp"

namespace quikedge::h2 {
namespace {

ssize_t read_stream_data(nghttp2_session*, std::int32_t, std::uint8_t* buffer, std::size_t length,
                         std::uint32_t* flags, nghttp2_data_source* source, void*) {
  return static_cast<h2_stream*>(source->ptr)->read_data(buffer, length, flags);
}

/// Submits HEADERS for `fields`, with a data source when a body follows.
bool submit(nghttp2_session* session, std::int32_t id, const std::vector<response_field>& fields,
            h2_stream* body_source) {
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (const auto& field : fields) {
    nva.push_back(
        {const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(field.name.data())),
         const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(field.value.data())),
         field.name.size(), field.value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider provider{};
  provider.source.ptr = body_source;
  provider.read_callback = read_stream_data;
  return nghttp2_submit_response(session, id, nva.data(), nva.size(),
                                 body_source != nullptr ? &provider : nullptr) == 0;
}

}  // namespace

bool h2_stream::submit_head(std::string_view head_bytes) {
  const http::head_limits limits{head_bytes.size() + 1, 512};
  if (stream_closed_ || session_->transport_gone() ||
      http::parse_response_head(head_bytes, limits, request_.is_head, response_head_) !=
          http::parse_status::ok) {
    post_completion(std::move(pending_write_), boost::asio::error::connection_reset, 0);
    pending_write_ = nullptr;
    return false;
  }
  decode_chunks_ = response_head_.framing == http::body_framing::chunked;
  has_body_provider_ = !(response_head_.framing == http::body_framing::none ||
                         (response_head_.framing == http::body_framing::content_length &&
                          response_head_.content_length == 0));
  counted_response_ = response_head_.framing == http::body_framing::content_length;
  response_left_ = response_head_.content_length;
  eof_sent_ = !has_body_provider_;
  std::vector<response_field> fields;
  response_fields(response_head_, fields_storage_, fields);
  head_submitted_ = true;
  if (!submit(session_->native(), id_, fields, has_body_provider_ ? this : nullptr)) {
    post_completion(std::move(pending_write_), boost::asio::error::connection_reset, 0);
    pending_write_ = nullptr;
    return false;
  }
  return true;
}

void h2_stream::add_body(std::string_view bytes) {
  if (!has_body_provider_ || bytes.empty()) {
    return;
  }
  if (!decode_chunks_) {
    out_.push_back(bytes);
    return;
  }
  chunks_.feed(bytes, [this](std::string_view payload) {
    if (!payload.empty()) {
      out_.push_back(payload);
    }
  });
}

void h2_stream::flush_write() {
  if (!pending_write_) {
    return;  // failed in submit_head
  }
  if (reset_ || stream_closed_) {
    post_completion(std::move(pending_write_), boost::asio::error::connection_reset, 0);
    pending_write_ = nullptr;
    return;
  }
  if (out_.empty()) {
    post_completion(std::move(pending_write_), {}, pending_write_size_);
    pending_write_ = nullptr;
    session_->request_send();
    return;
  }
  if (deferred_) {
    deferred_ = false;
    nghttp2_session_resume_data(session_->native(), id_);
  }
  session_->request_send();
}

long h2_stream::read_data(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags) {
  if (h2c_ && reply_.empty()) {  // an error reply of the proxy's own is in out_
    return read_relayed(buffer, length, flags);
  }
  std::size_t copied = 0;
  while (copied < length && out_front_ < out_.size()) {
    auto& piece = out_[out_front_];
    const std::size_t take = std::min(length - copied, piece.size());
    std::memcpy(buffer + copied, piece.data(), take);
    copied += take;
    piece.remove_prefix(take);
    if (piece.empty()) {
      ++out_front_;
    }
  }
  if (out_front_ == out_.size()) {
    out_.clear();
    out_front_ = 0;
    if (pending_write_) {
      // Framed: the exchange may reuse its buffer and read on upstream.
      post_completion(std::move(pending_write_), {}, pending_write_size_);
      pending_write_ = nullptr;
    }
    if (counted_response_) {
      response_left_ -= std::min<std::uint64_t>(response_left_, copied);
    }
    // The last payload byte is known without waiting for exchange_done: the
    // END_STREAM rides on the last DATA frame instead of an empty one.
    if (response_complete_ || (counted_response_ && response_left_ == 0) ||
        (decode_chunks_ && chunks_.done())) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      eof_sent_ = true;
      stop_open_upload();
      return static_cast<long>(copied);
    }
  }
  if (copied == 0) {
    deferred_ = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<long>(copied);
}

void h2_stream::stop_open_upload() {
  if (body_ended_ || upload_stopped_) {
    return;
  }
  // The answer is complete while the client is still sending (a 413, an early
  // answer): RFC 9113 8.1 lets the server ask it to stop, without error. Else
  // the stream stays half-open, holding a slot, until the client ends it.
  upload_stopped_ = true;
  boost::asio::post(session_->context().io, [self = shared_from_this()] {
    if (!self->stream_closed_ && !self->session_->transport_gone()) {
      nghttp2_submit_rst_stream(self->session_->native(), NGHTTP2_FLAG_NONE, self->id_,
                                NGHTTP2_NO_ERROR);
      self->session_->request_send();
    }
  });
}

void h2_stream::exchange_done() {
  end_exchange();
  response_complete_ = true;
  if (has_body_provider_ && !stream_closed_ && !session_->transport_gone()) {
    if (deferred_) {
      deferred_ = false;
      nghttp2_session_resume_data(session_->native(), id_);
    }
    session_->request_send();
  }
}

void h2_stream::reply_error(int status, bool) {
  exchange_.end_upload();
  if (reset_ || stream_closed_ || session_->transport_gone()) {
    // Nobody to answer: the client cancelled (499, as nginx logs it).
    request_.status = 499;
    record(499);
    end_exchange();
    return;
  }
  request_.status = status;
  reply_ = std::to_string(status);
  reply_ += ' ';
  reply_ += http::reason_phrase(status);
  reply_ += '\n';
  const std::string length = std::to_string(reply_.size());
  char digits[4];
  std::snprintf(digits, sizeof digits, "%03d", status % 1000);
  const std::vector<response_field> fields{
      {":status", {digits, 3}}, {"content-type", "text/plain"}, {"content-length", length}};
  out_.assign(1, std::string_view(reply_));
  out_front_ = 0;
  has_body_provider_ = true;
  response_complete_ = true;
  head_submitted_ = true;
  request_.bytes_out += reply_.size();
  record(status);
  end_exchange();
  if (submit(session_->native(), id_, fields, this)) {
    session_->request_send();
  }
}

}  // namespace quikedge::h2
