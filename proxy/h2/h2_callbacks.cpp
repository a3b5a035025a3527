#include "h2/h2_callbacks.hpp"

#include <nghttp2/nghttp2.h>

#include <string_view>

#include "h2/h2_session.hpp"
#include "h2/h2_stream.hpp"

namespace quikedge::h2 {
namespace {

h2_session& session_of(void* user_data) {
  return *static_cast<h2_session*>(user_data);
}

bool is_request_headers(const nghttp2_frame* frame) {
  return frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST;
}

int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  if (is_request_headers(frame)) {
    session_of(user_data).stream_opened(frame->hd.stream_id);
  }
  return 0;
}

int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
              std::size_t name_size, const std::uint8_t* value, std::size_t value_size,
              std::uint8_t, void* user_data) {
  if (!is_request_headers(frame)) {
    return 0;  // request trailers: an HTTP/1.1 upstream gets none
  }
  if (auto* stream = session_of(user_data).find(frame->hd.stream_id)) {
    stream->on_header({reinterpret_cast<const char*>(name), name_size},
                      {reinterpret_cast<const char*>(value), value_size});
  }
  return 0;
}

int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  auto* stream = session_of(user_data).find(frame->hd.stream_id);
  if (stream == nullptr) {
    return 0;
  }
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (is_request_headers(frame)) {
    stream->on_headers_end(end_stream);
  } else if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) && end_stream) {
    stream->on_end_stream();
  }
  return 0;
}

int on_data_chunk_recv(nghttp2_session* native, std::uint8_t, std::int32_t stream_id,
                       const std::uint8_t* data, std::size_t size, void* user_data) {
  auto* stream = session_of(user_data).find(stream_id);
  const std::size_t done = stream == nullptr ? size : stream->on_data(data, size);
  if (done > 0) {
    // Bytes nobody will read (a finished or unknown stream) free the window now.
    if (stream == nullptr) {
      nghttp2_session_consume_connection(native, done);
    } else {
      nghttp2_session_consume(native, stream_id, done);
    }
  }
  return 0;
}

int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                    void* user_data) {
  session_of(user_data).stream_closed(stream_id, error_code);
  return 0;
}

nghttp2_session_callbacks* build() {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
  return cbs;
}

}  // namespace

const nghttp2_session_callbacks* callbacks() {
  static nghttp2_session_callbacks* const shared = build();
  return shared;
}

}  // namespace quikedge::h2
