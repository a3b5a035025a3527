// One load connection, whatever protocol it speaks: HTTP is http_client, WebSocket
// echo is ws_client (upgrade once, then time echo round trips). The base owns what
// both do the same way: the socket and its read buffer, connecting, the pacing and
// back-off timer, the watchdog state and the counting of outcomes. Worker only.
#pragma once

#include "common/buffer_io.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace quikedge::bench::load {

using clock = std::chrono::steady_clock;

class worker;
struct run_stats;

class load_client {
 public:
  load_client(const load_client&) = delete;
  load_client& operator=(const load_client&) = delete;
  virtual ~load_client() = default;

  // Sends requests until the run ends, then calls worker::client_done(). Worker thread only.
  virtual boost::asio::awaitable<void> run() = 0;
  // Watchdog: the request in flight is over --timeout; count a timeout, drop the connection.
  void expire();
  // End of run: abandon the request in flight and leave run().
  virtual void stop();

  [[nodiscard]] bool in_flight() const { return in_flight_; }
  [[nodiscard]] clock::time_point started() const { return started_; }

 protected:
  // How one exchange (a request, an upgrade, an echo) ended; each maps to one counter.
  enum class outcome {
    ok,
    connect_error,
    handshake_error,
    write_error,
    read_error,
    parse_error,  // a response or an echo that is not what it must be
    closed_by_peer
  };

  // Large enough that big responses and echoes are read in few syscalls. Idle
  // connections touch only the first page of it, so thousands of them stay cheap.
  static constexpr std::size_t read_buffer_size = 64 * 1024;
  // Pause after a failed connection, so that a dead target is not hammered in a busy loop.
  static constexpr std::chrono::milliseconds reconnect_backoff{10};

  explicit load_client(worker& owner);

  // Opens a TCP connection to the target with Nagle off (one request per write: Nagle
  // would hold back a body written after its head) and an empty read buffer. Counts it
  // (and whether it is a reconnect) when `measured`. False if it failed; the socket is
  // then closed.
  boost::asio::awaitable<bool> connect(bool measured);
  // Reads more bytes into in_; false at end of stream, on an error (kept in
  // last_error_) or when in_ is full.
  boost::asio::awaitable<bool> read_more();
  boost::asio::awaitable<void> pause_until(clock::time_point when);

  // Counts a finished exchange (measured ones only): a success with its latency since
  // `since`, a failure under its error, any failure after expire() as a timeout.
  // Returns true for a counted success, so the caller can add its own tallies.
  bool record(outcome result, bool measured, clock::time_point since);
  // A peer close is counted as a read error; a subclass may count it further.
  virtual void count_closed_by_peer(run_stats& stats) {}

  // Closes the socket; subclasses also forget their protocol state.
  virtual void close();

  worker& owner_;
  boost::asio::ip::tcp::socket socket_;
  byte_buffer in_;
  boost::asio::steady_timer timer_;       // pacing, handshake slots and reconnect back-off
  clock::time_point started_;             // when the exchange in flight began (for --timeout)
  boost::system::error_code last_error_;  // why the last read failed
  bool in_flight_ = false;
  bool expired_ = false;
  // Set by the subclass once it has a usable connection: later connects are reconnects.
  bool ever_connected_ = false;
};

// The client for the run's load_mode; `index` is its global connection number.
std::unique_ptr<load_client> make_client(worker& owner, unsigned index);

}  // namespace quikedge::bench::load
