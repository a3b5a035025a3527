// 127.0.0.1 addresses for the sockets the test helpers open themselves.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>

namespace quikedge::test {

/// 127.0.0.1:`port`; port 0 lets the kernel pick one at bind().
inline sockaddr_in loopback_address(std::uint16_t port = 0) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace quikedge::test
