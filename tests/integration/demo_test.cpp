// `quikedge --demo` on its fixed ports 8080 and 9901, driven with quikctl.
// Skipped when something else holds those ports.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/loopback.hpp"

namespace quikedge::test {
namespace {

constexpr std::uint16_t demo_port = 8080;
constexpr std::uint16_t demo_admin_port = 9901;

/// True when 127.0.0.1:port can be bound now (as the proxy binds it, with SO_REUSEADDR).
bool port_is_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address = loopback_address(port);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return bound;
}

std::map<std::string, int> split(int count, bool reuse) {
  std::map<std::string, int> seen;
  http_client client;
  for (int i = 0; i < count; ++i) {
    if (!reuse || !client.is_open()) {
      client.connect(demo_port);
    }
    auto response = client.get("/");
    const std::string stack = response.header("X-QuikEdge-Stack");
    ++seen[response.status == 200 && response.body == stack + "\n" ? stack : "bad answer"];
    if (!reuse) {
      client.close();
    }
  }
  return seen;
}

TEST(demo, splits_ninety_ten_and_quikctl_moves_everything_to_green) {
  if (!port_is_free(demo_port) || !port_is_free(demo_admin_port)) {
    GTEST_SKIP() << "127.0.0.1:8080 or :9901 is in use, so the demo cannot run here";
  }
  child_process demo({bin_path("quikedge"), "--demo"});
  if (!demo.wait_for_line("quikedge: ready", deadline_in(std::chrono::seconds(20)))) {
    demo.stop();
    if (demo.stderr_text().find("in use") != std::string::npos) {
      GTEST_SKIP() << "a demo port was taken meanwhile: " << demo.stderr_text();
    }
    FAIL() << "the demo did not start:\n" << demo.stdout_text() << demo.stderr_text();
  }
  EXPECT_NE(demo.stdout_text().find("quikctl"), std::string::npos) << "no usage hint printed";

  auto seen = split(500, true);
  for (const auto& [stack, n] : split(500, false)) {
    seen[stack] += n;
  }
  EXPECT_NEAR(seen["blue"], 900, 10) << testing::PrintToString(seen);
  EXPECT_NEAR(seen["green"], 100, 10) << testing::PrintToString(seen);

  auto moved = run_command({bin_path("quikctl"), "weights", "blue=0", "green=100"});
  ASSERT_EQ(moved.exit_status, 0) << moved.out << moved.err;
  auto after = split(100, true);
  EXPECT_EQ(after["green"], 100) << testing::PrintToString(after);

  if (HasFailure()) {
    std::cerr << "--- demo stderr ---\n" << demo.stderr_text() << "---\n";
  }
}

}  // namespace
}  // namespace quikedge::test
