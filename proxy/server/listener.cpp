// Acceptor setup.
#include "server/listener.hpp"

#include <boost/asio/socket_base.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace quikedge::server {
namespace {

// The admin server binds through open_acceptor() and knows nothing of upgrades;
// this is where a handed-over admin socket waits for it. Written and read on the
// control thread before the admin server starts.
std::map<boost::asio::ip::tcp::endpoint, int>& adopted_sockets() {
  static std::map<boost::asio::ip::tcp::endpoint, int> sockets;
  return sockets;
}

}  // namespace

void adopt_on_next_open(const boost::asio::ip::tcp::endpoint& configured, int fd) {
  adopted_sockets()[configured] = fd;
}

int find_listening_socket(const boost::asio::ip::tcp::endpoint& bound) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const int fd = std::atoi(entry.path().filename().c_str());
    int listening = 0;
    socklen_t size = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || listening == 0) {
      continue;
    }
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        (address.ss_family != AF_INET && address.ss_family != AF_INET6)) {
      continue;
    }
    boost::asio::ip::tcp::endpoint endpoint;
    const std::size_t size_used = std::min<std::size_t>(length, endpoint.capacity());
    std::memcpy(endpoint.data(), &address, size_used);
    endpoint.resize(size_used);
    if (endpoint == bound) {
      return fd;
    }
  }
  return -1;
}

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
  if (auto it = adopted_sockets().find(endpoint); !reuse_port && it != adopted_sockets().end()) {
    const int fd = it->second;
    adopted_sockets().erase(it);
    acceptor.assign(endpoint.protocol(), fd);
    return acceptor;
  }
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
