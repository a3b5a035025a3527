// One downstream HTTP/2 connection's protocol state: the nghttp2 server session
// (framing, HPACK, flow control, the protocol's error handling and flood
// protections all live in libnghttp2) and its streams. The byte transport is
// the derived h2_transport<Stream> (plain TCP or TLS); this part is not a
// template, so it is compiled once. Worker only.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/deadline_entry.hpp"
#include "http/session_context.hpp"

struct nghttp2_session;

namespace quikedge::h2 {

class h2_stream;

class h2_session : public std::enable_shared_from_this<h2_session>, public http::deadline_entry {
 public:
  h2_session(http::session_context& context, const boost::asio::ip::address& client, bool tls,
             std::uint16_t listener);
  ~h2_session() override;

  [[nodiscard]] http::session_context& context() { return context_; }
  [[nodiscard]] nghttp2_session* native() { return session_; }
  [[nodiscard]] bool tls() const { return tls_; }
  [[nodiscard]] std::string_view client_ip() const { return client_ip_; }
  [[nodiscard]] const boost::asio::ip::address& client_address() const { return client_address_; }
  /// The connection is gone: streams end without sending anything.
  [[nodiscard]] bool transport_gone() const { return transport_gone_; }

  /// Frames are waiting: write them soon (never from inside nghttp2).
  void request_send();

  void on_deadline() override;
  /// A stream's header block did not end within timeouts.request_header.
  void headers_timed_out();
  /// Graceful GOAWAY: streams in flight finish, new ones are refused, then
  /// the connection closes.
  void on_shutdown() override;

  // Called from nghttp2's callbacks (h2_callbacks.cpp).
  void stream_opened(std::int32_t id);
  [[nodiscard]] h2_stream* find(std::int32_t id);
  void stream_closed(std::int32_t id, std::uint32_t error_code);

 protected:
  /// Creates the nghttp2 session and queues the server's SETTINGS. False: out of memory.
  bool start_session();
  /// Feeds bytes read from the client. False: the connection must end (a
  /// GOAWAY may still be queued: write it, then close).
  bool receive(const char* data, std::size_t size);
  /// Appends queued frames to `out` until it holds about `limit` bytes.
  void produce(std::string& out, std::size_t limit);
  /// Neither side has anything left to say (GOAWAY done, no open stream).
  [[nodiscard]] bool finished() const;
  /// The transport failed or closed: every stream is reset.
  void transport_closed();

  /// A write starts or ends: a write that does not end within timeouts.idle
  /// (a client that stopped reading) closes the connection.
  void write_started();
  void write_finished();

  virtual void schedule_send() = 0;
  /// Closes the socket (and resets the streams) at once.
  virtual void close_transport() = 0;

 private:
  void send_goaway(std::uint32_t error_code);
  void update_idle_deadline();

  http::session_context& context_;
  nghttp2_session* session_ = nullptr;
  bool tls_;
  std::uint16_t listener_;
  boost::asio::ip::address client_address_;
  std::string client_ip_;
  bool in_nghttp2_ = false;  ///< inside mem_recv/mem_send: sending is deferred
  bool send_wanted_ = false;
  bool goaway_sent_ = false;
  /// Streams the proxy had to reset after their exchange started (the client's
  /// frames broke the stream: a body past its content-length, a window
  /// overrun): each costs an upstream connection, and nghttp2 1.52 limits only
  /// the resets a client sends ("MadeYouReset", CVE-2025-8671). A bucket of
  /// error_reset_burst, refilled at 10 per second; empty: GOAWAY ENHANCE_YOUR_CALM.
  static constexpr std::uint32_t error_reset_burst = 100;
  std::uint32_t error_reset_tokens_ = error_reset_burst;
  http::clock::time_point error_reset_refilled_ = http::clock::now();
  bool too_many_error_resets_ = false;
  void note_error_reset();
  bool transport_gone_ = false;
  bool write_pending_ = false;
  std::unordered_map<std::int32_t, std::shared_ptr<h2_stream>> streams_;
};

}  // namespace quikedge::h2
