// The bytes of one downstream HTTP/2 connection: reads feed the nghttp2
// session, queued frames are written one batch at a time (a batch waits for
// the previous write, so a client that does not read stalls its own streams'
// DATA, never the worker). A template over the client stream (plain TCP or
// TLS), instantiated in h2_serve.cpp. Worker only.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <string>

#include "h2/h2_session.hpp"
#include "http/stream_traits.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::h2 {

template <class Stream>
class h2_transport final : public h2_session {
 public:
  h2_transport(http::session_context& context, Stream stream,
               const boost::asio::ip::address& client, bool tls, std::uint16_t listener)
      : h2_session(context, client, tls, listener), stream_(std::move(stream)) {}

  ~h2_transport() override { context().open_connections.fetch_sub(1, std::memory_order_relaxed); }

  /// `already_read`: the bytes the HTTP/1 codec read while sniffing the preface.
  void start(util::byte_buffer already_read) {
    if (!start_session()) {
      close_transport();
      return;
    }
    if (!already_read.empty() && !receive(already_read.data(), already_read.size())) {
      reading_ = false;
    }
    schedule_send();
    if (reading_) {
      do_read();
    }
  }

 private:
  using error_code = boost::system::error_code;
  /// Frames produced per write: big enough for throughput, small enough that
  /// one connection's output stays bounded.
  static constexpr std::size_t batch_bytes = 128 * 1024;

  void do_read() {
    in_.prepare(64 * 1024, 64 * 1024);
    stream_.async_read_some(
        boost::asio::buffer(in_.write_ptr(), in_.write_space()),
        [self = shared_from_this(), this](const error_code& ec, std::size_t n) { on_read(ec, n); });
  }

  void on_read(const error_code& ec, std::size_t n) {
    if (closed_) {
      return;
    }
    if (ec) {
      close_transport();
      return;
    }
    if (!receive(in_.write_ptr(), n)) {
      reading_ = false;  // a GOAWAY may be queued: write it, then close
    }
    schedule_send();
    if (reading_ && !closed_) {
      do_read();
    }
  }

  void schedule_send() override {
    if (closed_ || writing_) {
      return;
    }
    out_.clear();
    produce(out_, batch_bytes);
    if (out_.empty()) {
      if (!reading_ || finished()) {
        close_transport();
      }
      return;
    }
    writing_ = true;
    write_started();
    boost::asio::async_write(stream_, boost::asio::buffer(out_),
                             [self = shared_from_this(), this](const error_code& ec, std::size_t) {
                               writing_ = false;
                               write_finished();
                               if (ec) {
                                 close_transport();
                                 return;
                               }
                               schedule_send();
                             });
  }

  void close_transport() override {
    if (closed_) {
      return;
    }
    closed_ = true;
    transport_closed();
    error_code ignored;
    auto& socket = http::lowest_socket(stream_);
    socket.shutdown(boost::asio::socket_base::shutdown_both, ignored);
    socket.close(ignored);
  }

  Stream stream_;
  util::byte_buffer in_;
  std::string out_;  ///< the batch being written
  bool writing_ = false;
  bool reading_ = true;
  bool closed_ = false;
};

}  // namespace quikedge::h2
