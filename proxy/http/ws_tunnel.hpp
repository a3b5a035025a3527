// The bytes of a WebSocket after the 101: a two-way relay between the client and
// the upstream it was routed to, pinned to that stack for its whole life.
// Backpressure: a direction reads again only after its last write finished, so a
// slow reader never makes the proxy buffer. An idle tunnel holds no buffer: it
// waits for readability and borrows a buffer from the worker only to move bytes.
// On io_uring a direction that is moving bytes keeps its buffer and posts the
// read itself (one completion per message, not a poll and then a read); a sweep
// period without bytes sends it back to waiting without a buffer.
// Worker only.
#pragma once

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "http/session_context.hpp"
#include "http/ws_frame_tracker.hpp"
#include "upstream/connection_pool.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::http {

template <class ClientStream>
class ws_tunnel : public std::enable_shared_from_this<ws_tunnel<ClientStream>>,
                  public tunnel_entry {
 public:
  /// `client_pending`/`upstream_pending`: bytes already read past the upgrade
  /// (the client's first frames, the upstream's first frames).
  ws_tunnel(session_context& context, ClientStream client,
            upstream::upstream_connection_ptr upstream, routing::stack_id stack,
            std::chrono::milliseconds idle_timeout, util::byte_buffer client_pending,
            util::byte_buffer upstream_pending);
  ~ws_tunnel() override;

  void start();
  void begin_close() override;
  void release_idle_buffers() override;

 private:
  using error_code = boost::system::error_code;

  /// One direction of the relay: from `source` to the other side.
  struct direction {
    ws_frame_tracker frames;
    std::unique_ptr<char[]> buffer;
    util::byte_buffer pending;  ///< bytes read before the tunnel started
    bool reading = false;
    bool writing = false;
    bool source_done = false;  ///< source sent EOF or failed
    bool close_sent = false;   ///< our 1001 close frame went to the destination
    bool hot = false;          ///< io_uring: reads are posted with the buffer held
    bool moved = false;        ///< bytes were read since the last sweep
    boost::asio::cancellation_signal cancel_read;  ///< takes back a hot direction's read
  };

  enum class side : std::uint8_t { client, upstream };

  void pump(side from);
  void on_readable(side from, const error_code& ec);
  /// Posts a read into the direction's buffer (io_uring: the bytes are there,
  /// or the direction is hot and the kernel waits for them itself).
  void read_posted(side from);
  /// Cancels a hot direction's posted read when no bytes came for a sweep.
  void cool_down(side from);
  void on_read(side from, const error_code& ec, std::size_t n);
  /// A read through a TLS layer (the client's or the upstream's) completed.
  void on_tls_read(side from, const error_code& ec, std::size_t n);
  void forward(side from, std::size_t n);
  void on_forwarded(side from, const error_code& ec);
  void send_close_frame(side from);
  void source_finished(side from);
  void maybe_finish();
  void shutdown_all();
  void touch();

  direction& dir(side from) { return from == side::client ? to_upstream_ : to_client_; }

  session_context& context_;
  ClientStream client_;
  upstream::upstream_connection_ptr upstream_;
  std::chrono::milliseconds idle_timeout_;
  direction to_upstream_;  ///< client → upstream (masked frames)
  direction to_client_;    ///< upstream → client
  unsigned char masked_close_[8] = {};
  bool finished_ = false;
  bool close_started_ = false;
};

}  // namespace quikedge::http
