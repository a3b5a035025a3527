// One worker's idle keep-alive connections to upstream endpoints, indexed by the
// endpoint's stable id. Worker only: never touched by another thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "routing/routing_table.hpp"
#include "upstream/upstream_stream.hpp"

namespace quikedge::upstream {

struct upstream_connection {
  explicit upstream_connection(boost::asio::io_context& io, routing::endpoint_id id)
      : stream(io), socket(stream.socket()), endpoint(id) {}

  /// Reads and writes go through the stream (plain or TLS); `socket` is its
  /// TCP socket, for connect, options, readiness waits, shutdown and close.
  upstream_stream stream;
  boost::asio::ip::tcp::socket& socket;
  routing::endpoint_id endpoint;
  std::uint64_t requests = 0;  ///< requests served on this connection so far
  std::chrono::steady_clock::time_point idle_since{};
  std::uint64_t idle_period = 0;  ///< tells this stay in the pool from earlier ones
};

using upstream_connection_ptr = std::unique_ptr<upstream_connection>;

class connection_pool {
 public:
  explicit connection_pool(boost::asio::io_context& io) : io_(io) {}

  /// How sure take() must be that the upstream has not closed the connection.
  enum class reuse_check {
    /// The request can be replayed on a fresh connection if this one is stale
    /// (idempotent, no body): checks that cost no syscall are enough.
    free_only,
    /// It cannot (a POST, a body): a stale connection would cost the client a
    /// 502, so a syscall is spent to rule out a close already received.
    certain,
  };

  /// An idle connection to `endpoint` that is still open, or nullptr, so a request
  /// is rarely written into a dead socket, and bytes an upstream sent while idle
  /// (more than it framed) are never read as the next request's response.
  /// Connections the upstream closed or wrote to while idle are found by the
  /// backend's cheapest means:
  /// - epoll: a non-blocking MSG_PEEK here, one syscall, whatever `check` says:
  ///   nothing else watches an idle connection. A readiness wait while idle would
  ///   cost the same (Asio re-arms with epoll_ctl), and a cancel more.
  /// - io_uring: a poll armed on every idle connection (an SQE batched with the
  ///   loop's others, no syscall of its own). A close or a stray byte removes the
  ///   connection from the pool when the poll fires. A taken connection's poll is
  ///   not cancelled (a cancel is a syscall in Asio); the exchange's first read
  ///   queues behind it and runs when the response makes the poll fire.
  ///   The poll's completion is seen at the next loop turn, so a close that came
  ///   during this turn (an upstream pod shutting down closes all its idle
  ///   connections at once) is not: `certain` adds the MSG_PEEK. nginx (a read
  ///   handler on cached connections) has that one-turn window for every request.
  /// Either way a close still in flight (its FIN not yet received) escapes.
  upstream_connection_ptr take(routing::endpoint_id endpoint, reuse_check check);

  /// A new, unconnected socket for `endpoint`.
  upstream_connection_ptr make(routing::endpoint_id endpoint);

  /// Returns a connection whose last exchange ended cleanly.
  void give_back(upstream_connection_ptr connection);

  /// Closes connections idle for longer than `max_idle`; called by the worker's sweeper.
  void close_idle(std::chrono::steady_clock::time_point now, std::chrono::milliseconds max_idle);

 private:
  static constexpr std::size_t max_idle_per_endpoint = 1024;

  void watch_while_idle(upstream_connection& connection);
  void on_idle_readable(routing::endpoint_id endpoint, const upstream_connection* connection,
                        std::uint64_t period);

  boost::asio::io_context& io_;
  std::uint64_t idle_periods_ = 0;
  std::vector<std::vector<upstream_connection_ptr>> idle_;  ///< index: endpoint id
};

}  // namespace quikedge::upstream
