// Listening sockets. Every worker has its own acceptor on each public address
// (SO_REUSEPORT), so the kernel spreads connections and no socket is shared.
// Also the seam through which the admin socket handed over in a binary upgrade is adopted.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "quikedge/config.hpp"

namespace quikedge::server {

/// Resolves a configured address to one TCP endpoint (numeric or resolvable host).
boost::asio::ip::tcp::endpoint resolve_bind_address(const address& where);

/// Opens, binds (SO_REUSEADDR and SO_REUSEPORT) and listens. Throws
/// boost::system::system_error when the address cannot be bound.
boost::asio::ip::tcp::acceptor open_acceptor(boost::asio::io_context& io,
                                             const boost::asio::ip::tcp::endpoint& endpoint,
                                             bool reuse_port);

}  // namespace quikedge::server
