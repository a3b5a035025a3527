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
};

using upstream_connection_ptr = std::unique_ptr<upstream_connection>;

class connection_pool {
 public:
  explicit connection_pool(boost::asio::io_context& io) : io_(io) {}

  /// An idle connection to `endpoint` that is still open, or nullptr. Connections
  /// the upstream has closed meanwhile are detected here (non-blocking peek) and
  /// dropped, so a request is rarely written into a dead socket.
  upstream_connection_ptr take(routing::endpoint_id endpoint);

  /// A new, unconnected socket for `endpoint`.
  upstream_connection_ptr make(routing::endpoint_id endpoint);

  /// Returns a connection whose last exchange ended cleanly.
  void give_back(upstream_connection_ptr connection);

  /// Closes connections idle for longer than `max_idle`; called by the worker's sweeper.
  void close_idle(std::chrono::steady_clock::time_point now, std::chrono::milliseconds max_idle);

 private:
  static constexpr std::size_t max_idle_per_endpoint = 1024;

  boost::asio::io_context& io_;
  std::vector<std::vector<upstream_connection_ptr>> idle_;  ///< index: endpoint id
};

}  // namespace quikedge::upstream
