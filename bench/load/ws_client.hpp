// One load connection in WebSocket mode: upgrades once, then sends a binary message,
// reads its echo whole (checking every byte), records the round trip, repeats. A
// WebSocket that fails or is closed by the peer is counted and opened again.
// With --idle it opens the WebSocket, sends nothing and only watches for a close.
#pragma once

#include "common/buffer_io.hpp"
#include "load/load_client.hpp"
#include "load/worker.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>

namespace quikedge::bench::load {

class ws_client final : public load_client {
 public:
  ws_client(worker& owner, unsigned index);

  boost::asio::awaitable<void> run() override;
  void expire() override;
  void stop() override;
  [[nodiscard]] bool in_flight() const override { return in_flight_; }
  [[nodiscard]] clock::time_point started() const override { return started_; }

 private:
  enum class outcome {
    ok,
    connect_error,
    handshake_error,
    write_error,
    read_error,
    bad_echo,
    closed_by_peer
  };

  boost::asio::awaitable<void> run_load();
  boost::asio::awaitable<void> run_idle();
  // Connects and upgrades; at most --open-concurrency of these run at once per thread.
  boost::asio::awaitable<outcome> open(bool measured);
  boost::asio::awaitable<outcome> handshake();
  // Sends one message and reads its echo.
  boost::asio::awaitable<outcome> exchange();
  // Reads frames until one message is complete, or until the peer closes.
  boost::asio::awaitable<outcome> read_message(bool check_echo);
  boost::asio::awaitable<bool> read_more();
  boost::asio::awaitable<void> pause_until(clock::time_point when);
  void record(outcome result, bool measured, clock::time_point sent);
  void close();

  worker& owner_;
  boost::asio::ip::tcp::socket socket_;
  byte_buffer in_;
  boost::asio::steady_timer timer_;  // waiting for a handshake slot, reconnect back-off
  clock::time_point started_;
  bool in_flight_ = false;
  bool expired_ = false;
  bool open_ = false;  // the WebSocket is established
  bool ever_opened_ = false;
  bool peer_close_1001_ = false;  // the last close frame received had code 1001
};

}  // namespace quikedge::bench::load
