// Wildcard admin binds replaced by the address peers reach this replica at.
#include "server/advertised_address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <optional>

namespace quikedge::server {
namespace {

/// The source address the kernel would use towards `host:port`: a UDP socket
/// "connected" there sends nothing, but getsockname() then names it.
std::optional<std::string> local_address_towards(const address& peer) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(peer.port);
  if (::getaddrinfo(peer.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  std::optional<std::string> result;
  const int fd = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0) {
      const void* raw =
          local.ss_family == AF_INET6
              ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&local)->sin6_addr)
              : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&local)->sin_addr);
      if (::inet_ntop(local.ss_family, raw, text.data(), text.size()) != nullptr) {
        result = local.ss_family == AF_INET6 ? "[" + std::string(text.data()) + "]"
                                             : std::string(text.data());
      }
    }
  }
  if (fd >= 0) {
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return result;
}

}  // namespace

std::string advertised_admin_address(const std::string& bound, const config& settings) {
  const auto colon = bound.rfind(':');
  if (colon == std::string::npos) {
    return bound;
  }
  const std::string host = bound.substr(0, colon);
  const std::string port = bound.substr(colon);  // ":9901"
  if (host != "0.0.0.0" && host != "::" && host != "[::]") {
    return bound;
  }
  if (settings.state.backend == state_backend::etcd && !settings.state.etcd.endpoints.empty()) {
    if (auto local = local_address_towards(settings.state.etcd.endpoints.front())) {
      return *local + port;
    }
  }
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) == 0 && name[0] != 0) {
    return std::string(name.data()) + port;
  }
  return bound;
}

}  // namespace quikedge::server
