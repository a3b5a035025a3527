// Listening sockets and the accept loop of one worker.
#pragma once

#include "upstream/upstream_context.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace quikedge::bench::upstream {

// Opens a listening socket with SO_REUSEPORT, so that every worker owns one on the same
// port and the kernel spreads connections over them. Throws on failure (start-up only).
boost::asio::ip::tcp::acceptor open_acceptor(boost::asio::io_context& io,
                                             const boost::asio::ip::tcp::endpoint& endpoint);

// Accepts connections for ever and serves each on this worker's io_context.
boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor acceptor,
                                         upstream_context& context, unsigned worker);

}  // namespace quikedge::bench::upstream
