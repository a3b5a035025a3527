// One load connection in WebSocket mode: upgrades once, then sends a binary message,
// reads its echo whole (checking every byte), records the round trip, repeats. A
// WebSocket that fails or is closed by the peer is counted and opened again.
// With --idle it opens the WebSocket, sends nothing and only watches for a close.
#pragma once

#include "load/load_client.hpp"

#include <boost/asio/awaitable.hpp>

namespace quikedge::bench::load {

class ws_client final : public load_client {
 public:
  ws_client(worker& owner, unsigned index);

  boost::asio::awaitable<void> run() override;
  void stop() override;

 private:
  boost::asio::awaitable<void> run_load();
  boost::asio::awaitable<void> run_idle();
  // Connects and upgrades; at most --open-concurrency of these run at once per thread.
  boost::asio::awaitable<outcome> open(bool measured);
  boost::asio::awaitable<outcome> handshake();
  // Sends one message and reads its echo.
  boost::asio::awaitable<outcome> exchange();
  // Reads frames until one message is complete, or until the peer closes. A bad echo
  // is a parse_error.
  boost::asio::awaitable<outcome> read_message(bool check_echo);
  void count_closed_by_peer(run_stats& stats) override;
  void close() override;

  bool open_ = false;             // the WebSocket is established
  bool peer_close_1001_ = false;  // the last close frame received had code 1001
};

}  // namespace quikedge::bench::load
