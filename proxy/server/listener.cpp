// Acceptor setup.
#include "server/listener.hpp"

#include <boost/asio/socket_base.hpp>

#include <stdexcept>

namespace quikedge::server {

boost::asio::ip::tcp::endpoint resolve_bind_address(const address& where) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  std::string host = where.host.empty() ? "0.0.0.0" : where.host;
  auto results = resolver.resolve(
      host, std::to_string(where.port),
      boost::asio::ip::tcp::resolver::numeric_service | boost::asio::ip::tcp::resolver::passive);
  if (results.empty()) {
    throw std::runtime_error("cannot resolve listen address " + where.to_string());
  }
  return results.begin()->endpoint();
}

boost::asio::ip::tcp::acceptor open_acceptor(boost::asio::io_context& io,
                                             const boost::asio::ip::tcp::endpoint& endpoint,
                                             bool reuse_port) {
  boost::asio::ip::tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(boost::asio::socket_base::reuse_address(true));
  if (reuse_port) {
    int one = 1;
    ::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  }
  acceptor.bind(endpoint);
  acceptor.listen(boost::asio::socket_base::max_listen_connections);
  return acceptor;
}

}  // namespace quikedge::server
