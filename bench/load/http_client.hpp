// One load connection in HTTP mode: sends the request, reads the whole response,
// records it, repeats; reconnects when the connection is lost or closed.
#pragma once

#include "common/buffer_io.hpp"
#include "http/chunked_scanner.hpp"
#include "load/load_client.hpp"
#include "load/worker.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace quikedge::bench::load {

class http_client final : public load_client {
 public:
  // `index` is the client's global number, used to stagger paced connections.
  http_client(worker& owner, unsigned index);

  boost::asio::awaitable<void> run() override;
  void expire() override;
  void stop() override;
  [[nodiscard]] bool in_flight() const override { return in_flight_; }
  [[nodiscard]] clock::time_point started() const override { return started_; }

 private:
  enum class outcome { ok, connect_error, write_error, read_error, parse_error };
  struct response_info {
    int status = 0;
    bool keep_alive = true;
    std::size_t tally_slot = SIZE_MAX;
  };

  boost::asio::awaitable<outcome> exchange(bool measured, response_info& response);
  boost::asio::awaitable<bool> connect(bool measured);
  boost::asio::awaitable<bool> send_request();
  boost::asio::awaitable<outcome> read_response(bool measured, response_info& response);
  boost::asio::awaitable<bool> read_more();
  boost::asio::awaitable<void> pause_until(clock::time_point when);
  void record(outcome result, bool measured, clock::time_point scheduled,
              const response_info& response);
  void close();

  worker& owner_;
  boost::asio::ip::tcp::socket socket_;
  byte_buffer in_;
  http::chunked_scanner chunks_;
  boost::asio::steady_timer timer_;  // pacing and reconnect back-off
  bool paced_ = false;
  clock::duration interval_{};
  clock::time_point next_send_;
  clock::time_point started_;
  boost::system::error_code last_error_;  // why the last read failed
  bool in_flight_ = false;
  bool expired_ = false;
  bool connected_ = false;
  bool ever_connected_ = false;
};

}  // namespace quikedge::bench::load
