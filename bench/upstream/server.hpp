// The upstream process: one worker per thread, each with its own io_context and its
// own listening socket, so that nothing is shared on the request path.
#pragma once

#include "upstream/upstream_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <vector>

namespace quikedge::bench::upstream {

class server {
 public:
  explicit server(upstream_context& context);

  // Binds every worker's socket and returns the address bound (with the real port when
  // port 0 was asked). Throws on failure.
  boost::asio::ip::tcp::endpoint bind();

  // Serves until SIGINT or SIGTERM; worker 0 runs on the calling thread.
  void run();

 private:
  upstream_context& context_;
  std::vector<std::unique_ptr<boost::asio::io_context>> workers_;
  std::vector<boost::asio::ip::tcp::acceptor> acceptors_;
};

}  // namespace quikedge::bench::upstream
