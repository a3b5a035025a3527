// One accepted connection of quikedge-upstream: reads request heads, hands each request
// to its handler, and writes the responses in order. Responses are collected in out_
// and written when the connection would otherwise wait for input, so a burst of
// pipelined requests costs one write.
#pragma once

#include "common/buffer_io.hpp"
#include "upstream/body_reader.hpp"
#include "upstream/upstream_context.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace quikedge::bench::upstream {

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(boost::asio::ip::tcp::socket socket, upstream_context& context,
             worker_counters& counters);

  // Serves the connection until it closes. Worker only.
  static boost::asio::awaitable<void> serve(std::shared_ptr<connection> self);

  // What handlers use (worker only).
  std::string& out() { return out_; }
  byte_buffer& input() { return in_; }
  body_reader& body() { return body_; }
  upstream_context& context() { return context_; }
  [[nodiscard]] std::uint64_t serial() const { return serial_; }
  boost::asio::any_io_executor executor() { return socket_.get_executor(); }

  // Writes out_ and clears it; false when the peer is gone.
  boost::asio::awaitable<bool> flush();
  // Writes out_ followed by `data` in one gather write, then clears out_.
  boost::asio::awaitable<bool> write(boost::asio::const_buffer data);
  // Writes out_ first (a waiting client must see what is ready, 100 Continue included),
  // then reads more input. `idle` marks the wait between requests, where
  // --idle-timeout applies. False at end of stream or on error.
  boost::asio::awaitable<bool> read_more(bool idle);

  // out_ is written once it holds this much, so that batching never costs memory.
  static constexpr std::size_t batch_limit = 64 * 1024;

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> reply_error(int status);
  boost::asio::awaitable<void> linger_close();
  void arm_idle_timer();

  boost::asio::ip::tcp::socket socket_;
  upstream_context& context_;
  worker_counters& counters_;
  byte_buffer in_;
  std::string out_;
  body_reader body_;
  std::uint64_t serial_;
  std::uint64_t responses_ = 0;
  std::optional<boost::asio::steady_timer> idle_timer_;
  // A timer that fired just as the read completed must not close the connection, nor
  // may a stale expiry close it during a later wait: expiries carry the generation.
  std::uint64_t idle_generation_ = 0;
  bool idle_armed_ = false;
};

}  // namespace quikedge::bench::upstream
