// A flood of garbage bytes and half-open handshakes beside working clients:
// the clients are served throughout, the half-open connections are dropped
// after timeouts.tls_handshake, and each failure is counted by reason.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "integration/tls_fixture.hpp"
#include "support/loopback.hpp"

namespace quikedge::test {
namespace {

constexpr const char* app = "app.quikapp.test";
constexpr int garbage_connections = 100;
constexpr int half_open_connections = 100;

/// A raw TCP connection to 127.0.0.1:`port` (blocking; loopback connects at once).
int open_raw(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback_address(port);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// True once the peer closed `fd` (end of file or an error on read).
bool closed_by_peer(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) {
    return false;
  }
  char byte = 0;
  return ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
}

class tls_handshake_flood : public tls_fixture {
 protected:
  void SetUp() override {
    tls_fixture::SetUp();
    auto pair = ca_->issue("app", "/CN=app.quikapp.test", {app});
    ASSERT_TRUE(start_tls({pair}, "", "timeouts: { tls_handshake: 1s }\n"));
  }
  void TearDown() override {
    for (int fd : flood_) {
      ::close(fd);
    }
    tls_fixture::TearDown();
  }

  double failures(const std::string& reason) {
    return proxy.metric("quikedge_tls_handshake_failures_total",
                        {{"listener", "http"}, {"reason", reason}});
  }

  std::vector<int> flood_;
};

TEST_F(tls_handshake_flood, garbage_and_half_open_handshakes_leave_clients_served) {
  auto established = connect(app);
  ASSERT_TRUE(established->connected()) << established->error();
  ASSERT_EQ(established->get("/").status, 200);

  const std::vector<char> garbage(4096, '\xff');
  // A TLS record header announcing a 512-byte ClientHello that never comes.
  const char partial_hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
  std::vector<int> half_open;
  for (int i = 0; i < garbage_connections + half_open_connections; ++i) {
    const int fd = open_raw(port());
    ASSERT_GE(fd, 0);
    flood_.push_back(fd);
    if (i < garbage_connections) {
      ASSERT_GT(::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL), 0);
    } else {
      if (i % 2 == 0) {
        ::send(fd, partial_hello, sizeof partial_hello, MSG_NOSIGNAL);
      }
      half_open.push_back(fd);
    }
  }

  // Meanwhile the established client and new clients are served without delay.
  auto slowest = std::chrono::steady_clock::duration::zero();
  for (int i = 0; i < 100; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto response = established->get("/");
    slowest = std::max(slowest, std::chrono::steady_clock::now() - start);
    ASSERT_EQ(response.status, 200) << "request " << i << ": " << response.error;
  }
  for (int i = 0; i < 10; ++i) {
    auto fresh = connect(app);
    ASSERT_TRUE(fresh->connected()) << "connection " << i << ": " << fresh->error();
    EXPECT_EQ(fresh->get("/").status, 200);
  }
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count(), 1000);

  // Half-open handshakes are dropped after timeouts.tls_handshake (1 s), well
  // before the 10 s header timeout that bounded them before.
  const auto flood_started = std::chrono::steady_clock::now();
  EXPECT_TRUE(
      eventually([&] { return std::all_of(half_open.begin(), half_open.end(), closed_by_peer); },
                 std::chrono::seconds(5), "every half-open handshake closed by the proxy"));
  EXPECT_LT(std::chrono::steady_clock::now() - flood_started, std::chrono::seconds(5));
  EXPECT_TRUE(eventually(
      [&] {
        return failures("timeout") >= half_open_connections &&
               failures("malformed") >= garbage_connections;
      },
      std::chrono::seconds(5), "failures counted by reason"));
  EXPECT_EQ(established->get("/").status, 200);
}

}  // namespace
}  // namespace quikedge::test
