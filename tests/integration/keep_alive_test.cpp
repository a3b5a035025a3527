// Upstream connections are pooled per worker and reused across requests and
// across client connections. Counted by the upstream itself (/stats).
#include <gtest/gtest.h>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

class keep_alive : public two_stacks {
 protected:
  void SetUp() override { ASSERT_TRUE(start(100, 0)); }

  /// The upstream's count once it has seen `requests` requests from the proxy.
  testing::AssertionResult blue_stats_after(std::uint64_t requests, upstream_stats& out) {
    return eventually(
        [&]() -> testing::AssertionResult {
          if (auto asked = blue().stats(out); !asked) {
            return asked;
          }
          return out.requests == requests
                     ? testing::AssertionSuccess()
                     : testing::AssertionFailure() << "requests " << out.requests;
        },
        std::chrono::seconds(5), "upstream request count");
  }
};

TEST_F(keep_alive, one_client_connection_uses_at_most_one_upstream_connection_per_worker) {
  http_client client(port());
  for (int i = 0; i < 500; ++i) {
    auto response = client.get("/");
    ASSERT_EQ(response.status, 200) << "request " << i << ": " << response.error;
    ASSERT_TRUE(response.keep_alive) << "request " << i;
  }
  upstream_stats stats;
  ASSERT_TRUE(blue_stats_after(500, stats));
  EXPECT_LE(stats.connections_accepted, 2U);
}

TEST_F(keep_alive, new_client_connections_still_reuse_upstream_connections) {
  for (int i = 0; i < 200; ++i) {
    auto response = http_get(port(), "/");
    ASSERT_EQ(response.status, 200) << "request " << i << ": " << response.error;
  }
  upstream_stats stats;
  ASSERT_TRUE(blue_stats_after(200, stats));
  EXPECT_LE(stats.connections_accepted, 4U);
}

}  // namespace
}  // namespace quikedge::test
