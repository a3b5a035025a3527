// upstream_session: connect, the nghttp2 client session, its I/O and callbacks.
#include "h2/upstream_session.hpp"

#include <nghttp2/nghttp2.h>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "h2/h2_stream.hpp"

namespace quikedge::h2 {
namespace {

constexpr std::uint32_t stream_window = 256 * 1024;
constexpr std::int32_t connection_window = 16 * 1024 * 1024;

upstream_session& session_of(void* user_data) {
  return *static_cast<upstream_session*>(user_data);
}

int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
              std::size_t name_size, const std::uint8_t* value, std::size_t value_size,
              std::uint8_t, void* user_data) {
  if (frame->hd.type != NGHTTP2_HEADERS) {
    return 0;
  }
  if (auto* stream = session_of(user_data).find(frame->hd.stream_id)) {
    stream->on_upstream_header({reinterpret_cast<const char*>(name), name_size},
                               {reinterpret_cast<const char*>(value), value_size});
  }
  return 0;
}

int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  auto& session = session_of(user_data);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    session.goaway_received();
    return 0;
  }
  auto* stream = session.find(frame->hd.stream_id);
  if (stream == nullptr) {
    return 0;
  }
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (frame->hd.type == NGHTTP2_HEADERS) {
    // After a 1xx nghttp2 files the final head under HCAT_HEADERS, like
    // trailers: which one it is depends on whether the final head came yet.
    if (!stream->has_upstream_head()) {
      stream->on_upstream_head_frame(end_stream);
    } else if (end_stream) {
      stream->on_upstream_end(true);  // trailers
    }
  } else if (frame->hd.type == NGHTTP2_DATA && end_stream) {
    stream->on_upstream_end(false);
  }
  return 0;
}

int on_data_chunk_recv(nghttp2_session* native, std::uint8_t, std::int32_t stream_id,
                       const std::uint8_t* data, std::size_t size, void* user_data) {
  if (auto* stream = session_of(user_data).find(stream_id)) {
    stream->on_upstream_data({reinterpret_cast<const char*>(data), size});
  } else {
    nghttp2_session_consume_connection(native, size);
  }
  return 0;
}

int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                    void* user_data) {
  session_of(user_data).stream_closed(stream_id, error_code);
  return 0;
}

ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buffer, std::size_t length,
                  std::uint32_t* flags, nghttp2_data_source* source, void*) {
  return static_cast<h2_stream*>(source->ptr)->read_upstream_body(buffer, length, flags);
}

const nghttp2_session_callbacks* client_callbacks() {
  static nghttp2_session_callbacks* const shared = [] {
    nghttp2_session_callbacks* cbs = nullptr;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    return cbs;
  }();
  return shared;
}

}  // namespace

upstream_session::upstream_session(http::session_context& context, routing::endpoint_id endpoint,
                                   const boost::asio::ip::tcp::endpoint& address)
    : context_(context), endpoint_(endpoint), address_(address), socket_(context.io) {}

upstream_session::~upstream_session() {
  if (session_ != nullptr) {
    nghttp2_session_del(session_);
  }
}

bool upstream_session::start() {
  nghttp2_option* option = nullptr;
  if (nghttp2_option_new(&option) != 0) {
    return false;
  }
  // The response's window opens as the client takes its bytes (consume()).
  nghttp2_option_set_no_auto_window_update(option, 1);
  const int rv = nghttp2_session_client_new2(&session_, client_callbacks(), this, option);
  nghttp2_option_del(option);
  if (rv != 0) {
    session_ = nullptr;
    return false;
  }
  const nghttp2_settings_entry entries[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                            {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, stream_window}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, entries, 2);
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, connection_window);
  socket_.async_connect(address_, [self = shared_from_this(), this](const error_code& ec) {
    if (ec) {
      fail();
      return;
    }
    error_code ignored;
    socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    connected_ = true;
    do_read();
    do_send();
  });
  return true;
}

std::int32_t upstream_session::submit(const std::shared_ptr<h2_stream>& stream,
                                      const nghttp2_nv* fields, std::size_t count, bool has_body) {
  if (!usable()) {
    return -1;
  }
  nghttp2_data_provider provider{};
  provider.source.ptr = stream.get();
  provider.read_callback = read_body;
  const std::int32_t id = nghttp2_submit_request(session_, nullptr, fields, count,
                                                 has_body ? &provider : nullptr, nullptr);
  if (id < 0) {
    return id;
  }
  streams_.emplace(id, stream);
  request_send();
  return id;
}

void upstream_session::resume(std::int32_t id) {
  if (!failed_) {
    nghttp2_session_resume_data(session_, id);
    request_send();
  }
}

void upstream_session::consume(std::int32_t id, std::size_t n) {
  if (!failed_) {
    nghttp2_session_consume(session_, id, n);
    request_send();
  }
}

void upstream_session::cancel(std::int32_t id) {
  if (!failed_ && streams_.contains(id)) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    request_send();
  }
}

h2_stream* upstream_session::find(std::int32_t id) {
  const auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void upstream_session::stream_closed(std::int32_t id, std::uint32_t error_code) {
  const auto it = streams_.find(id);
  if (it == streams_.end()) {
    return;
  }
  auto stream = std::move(it->second);
  streams_.erase(it);
  stream->on_upstream_closed(error_code);
}

void upstream_session::request_send() {
  // Posted: callers may be inside either side's nghttp2 calls.
  if (send_posted_ || failed_) {
    return;
  }
  send_posted_ = true;
  boost::asio::post(context_.io, [self = shared_from_this(), this] {
    send_posted_ = false;
    do_send();
  });
}

void upstream_session::do_send() {
  if (!connected_ || writing_ || failed_) {
    return;
  }
  out_.clear();
  while (out_.size() < 128 * 1024) {
    const std::uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) {
      break;
    }
    out_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  if (out_.empty()) {
    if (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0) {
      fail();
    }
    return;
  }
  writing_ = true;
  boost::asio::async_write(socket_, boost::asio::buffer(out_),
                           [self = shared_from_this(), this](const error_code& ec, std::size_t) {
                             writing_ = false;
                             if (ec) {
                               fail();
                               return;
                             }
                             do_send();
                           });
}

void upstream_session::do_read() {
  in_.prepare(64 * 1024, 64 * 1024);
  socket_.async_read_some(
      boost::asio::buffer(in_.write_ptr(), in_.write_space()),
      [self = shared_from_this(), this](const error_code& ec, std::size_t n) {
        if (failed_) {
          return;
        }
        if (ec || nghttp2_session_mem_recv(
                      session_, reinterpret_cast<const std::uint8_t*>(in_.write_ptr()), n) < 0) {
          fail();
          return;
        }
        do_send();
        do_read();
      });
}

void upstream_session::fail() {
  if (failed_) {
    return;
  }
  failed_ = true;
  error_code ignored;
  socket_.close(ignored);
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, stream] : streams) {
    stream->on_upstream_closed(NGHTTP2_CONNECT_ERROR);
  }
}

}  // namespace quikedge::h2
