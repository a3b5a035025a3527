// h2_session: the nghttp2 server session, its settings, and the stream map.
#include "h2/h2_session.hpp"

#include <nghttp2/nghttp2.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>

#include "h2/h2_callbacks.hpp"
#include "h2/h2_stream.hpp"

namespace quikedge::h2 {
namespace {

/// Per-stream receive window: what one stream may have in flight towards a
/// slow upstream before its client must wait (WINDOW_UPDATE follows the upstream).
constexpr std::uint32_t stream_window = 256 * 1024;
/// The connection's window, large enough that one slow stream does not stall
/// the others sharing it.
constexpr std::int32_t connection_window = 16 * 1024 * 1024;

}  // namespace

h2_session::h2_session(http::session_context& context, const boost::asio::ip::address& client,
                       bool tls, std::uint16_t listener)
    : context_(context), tls_(tls), listener_(listener), client_address_(client) {
  if (client_address_.is_v6() && client_address_.to_v6().is_v4_mapped()) {
    client_address_ =
        boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, client_address_.to_v6());
  }
  client_ip_ = client_address_.to_string();
  context_.deadlines.link(*this);
}

h2_session::~h2_session() {
  context_.deadlines.unlink(*this);
  if (session_ != nullptr) {
    nghttp2_session_del(session_);
  }
}

bool h2_session::start_session() {
  nghttp2_option* option = nullptr;
  if (nghttp2_option_new(&option) != 0) {
    return false;
  }
  // Window updates follow the upstream's pace (h2_stream::acknowledge_body),
  // not the arrival of DATA: that is the request body's backpressure.
  nghttp2_option_set_no_auto_window_update(option, 1);
  const int rv = nghttp2_session_server_new2(&session_, callbacks(), this, option);
  nghttp2_option_del(option);
  if (rv != 0) {
    session_ = nullptr;
    return false;
  }
  const auto& settings = context_.table->settings();
  const std::array<nghttp2_settings_entry, 3> entries{{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
       static_cast<std::uint32_t>(settings.limits.max_concurrent_streams)},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, stream_window},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
       static_cast<std::uint32_t>(settings.limits.max_request_header_bytes)},
  }};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, entries.data(), entries.size()) != 0 ||
      nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, connection_window) !=
          0) {
    return false;
  }
  update_idle_deadline();
  return true;
}

bool h2_session::receive(const char* data, std::size_t size) {
  if (too_many_error_resets_) {
    if (!goaway_sent_) {
      send_goaway(NGHTTP2_ENHANCE_YOUR_CALM);
    }
    return false;
  }
  in_nghttp2_ = true;
  const auto rv =
      nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(data), size);
  in_nghttp2_ = false;
  if (too_many_error_resets_ && rv >= 0) {
    send_goaway(NGHTTP2_ENHANCE_YOUR_CALM);
    return false;
  }
  if (rv < 0) {
    // Not a preface, a flood, or a callback failure. Protocol errors that
    // nghttp2 can name (PROTOCOL_ERROR, FRAME_SIZE_ERROR, COMPRESSION_ERROR)
    // were already answered with a GOAWAY it queued itself.
    if (!goaway_sent_ && rv != NGHTTP2_ERR_BAD_CLIENT_MAGIC) {
      // A flood (PING, SETTINGS, RST_STREAM or empty frames faster than
      // they are answered) is ENHANCE_YOUR_CALM, as RFC 9113 10.5 suggests.
      send_goaway(rv == NGHTTP2_ERR_FLOODED ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
    }
    return false;
  }
  return true;
}

void h2_session::produce(std::string& out, std::size_t limit) {
  in_nghttp2_ = true;
  send_wanted_ = false;
  while (out.size() < limit) {
    const std::uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) {
      break;
    }
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  in_nghttp2_ = false;
}

bool h2_session::finished() const {
  return session_ == nullptr ||
         (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0);
}

void h2_session::request_send() {
  if (transport_gone_) {
    return;
  }
  if (in_nghttp2_) {
    send_wanted_ = true;  // the transport produces again once nghttp2 returns
    return;
  }
  schedule_send();
}

void h2_session::transport_closed() {
  if (transport_gone_) {
    return;
  }
  transport_gone_ = true;
  deadline = http::clock::time_point::max();
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, stream] : streams) {
    stream->on_closed(NGHTTP2_CANCEL);
  }
}

void h2_session::send_goaway(std::uint32_t error_code) {
  goaway_sent_ = true;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), error_code, nullptr, 0);
}

// The sweeper walks the deadline list while calling these, so nothing here may
// free a list entry (a stream) at once: the work is posted.
void h2_session::on_deadline() {
  if (goaway_sent_ || write_pending_) {
    // The client did not take the GOAWAY, or any bytes, in time: cut the connection.
    boost::asio::post(context_.io, [self = shared_from_this()] { self->close_transport(); });
    return;
  }
  // Idle: a graceful GOAWAY, then the connection closes once it is written.
  send_goaway(NGHTTP2_NO_ERROR);
  deadline = http::clock::now() + std::chrono::seconds(5);
  boost::asio::post(context_.io, [self = shared_from_this()] { self->request_send(); });
}

void h2_session::headers_timed_out() {
  // A header block left open blocks every other frame of the connection
  // (RFC 9113 6.10): nothing can be answered on it any more, so it goes.
  boost::asio::post(context_.io, [self = shared_from_this()] { self->close_transport(); });
}

void h2_session::on_shutdown() {
  if (goaway_sent_ || session_ == nullptr || transport_gone_) {
    return;
  }
  // Streams up to the last one processed finish; later ones are refused.
  send_goaway(NGHTTP2_NO_ERROR);
  deadline = http::clock::now() + context_.table->settings().timeouts.shutdown_drain;
  boost::asio::post(context_.io, [self = shared_from_this()] { self->request_send(); });
}

void h2_session::stream_opened(std::int32_t id) {
  auto stream = std::make_shared<h2_stream>(shared_from_this(), id);
  nghttp2_session_set_stream_user_data(session_, id, stream.get());
  streams_.emplace(id, std::move(stream));
  deadline = http::clock::time_point::max();
}

h2_stream* h2_session::find(std::int32_t id) {
  const auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void h2_session::stream_closed(std::int32_t id, std::uint32_t error_code) {
  const auto it = streams_.find(id);
  if (it == streams_.end()) {
    return;
  }
  auto stream = std::move(it->second);
  streams_.erase(it);
  // CANCEL is the client's own reset (nghttp2 rate-limits those); other codes on
  // a stream already sent upstream are resets the client's frames forced.
  if (error_code != NGHTTP2_NO_ERROR && error_code != NGHTTP2_CANCEL &&
      stream->exchange_started()) {
    note_error_reset();
  }
  stream->on_closed(error_code);
  update_idle_deadline();
}

void h2_session::note_error_reset() {
  const auto now = http::clock::now();
  const auto refill = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - error_reset_refilled_).count() /
      100);
  if (refill > 0) {
    error_reset_tokens_ = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(error_reset_burst, error_reset_tokens_ + refill));
    error_reset_refilled_ = now;
  }
  if (error_reset_tokens_ == 0) {
    too_many_error_resets_ = true;  // acted on in receive(), outside nghttp2's callbacks
  } else {
    --error_reset_tokens_;
  }
}

void h2_session::write_started() {
  write_pending_ = true;
  if (deadline == http::clock::time_point::max()) {
    deadline = http::clock::now() + context_.table->settings().timeouts.idle;
  }
}

void h2_session::write_finished() {
  write_pending_ = false;
  if (!goaway_sent_) {
    deadline = streams_.empty() ? http::clock::now() + context_.table->settings().timeouts.idle
                                : http::clock::time_point::max();
  }
}

void h2_session::update_idle_deadline() {
  if (streams_.empty() && !goaway_sent_) {
    deadline = http::clock::now() + context_.table->settings().timeouts.idle;
  }
}

}  // namespace quikedge::h2
