// What a worker needs from one load connection, whatever protocol it speaks: HTTP is
// http_client, WebSocket echo is ws_client (upgrade once, then time echo round trips).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>

namespace quikedge::bench::load {

using clock = std::chrono::steady_clock;

class worker;

class load_client {
 public:
  virtual ~load_client() = default;

  // Sends requests until the run ends, then calls worker::client_done(). Worker thread only.
  virtual boost::asio::awaitable<void> run() = 0;
  // Watchdog: the request in flight is over --timeout; count a timeout, drop the connection.
  virtual void expire() = 0;
  // End of run: abandon the request in flight and leave run().
  virtual void stop() = 0;

  [[nodiscard]] virtual bool in_flight() const = 0;
  [[nodiscard]] virtual clock::time_point started() const = 0;
};

// The client for the run's load_mode; `index` is its global connection number.
std::unique_ptr<load_client> make_client(worker& owner, unsigned index);

}  // namespace quikedge::bench::load
