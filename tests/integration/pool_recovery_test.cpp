// Keep-alive upstream pools: pooled connections that the upstream closes (idle
// timeout, request limit per connection) must never turn into client-visible errors.
#include <gtest/gtest.h>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

constexpr int batches = 10;
constexpr int batch_size = 30;

/// Runs a GET (or a POST, which the proxy may not replay) and returns its status.
int request_status(http_client& client, std::uint16_t port, bool post) {
  if (!client.is_open()) {
    client.connect(port);
  }
  auto response = post ? client.post("/echo", "a body") : client.get("/status/200");
  if (!response.keep_alive || response.status == 0) {
    client.close();
  }
  return response.status;
}

class pool_recovery : public two_stacks {};

TEST_F(pool_recovery, upstream_idle_timeout_between_batches_causes_no_errors) {
  ASSERT_TRUE(start(100, 0, {}, {"--idle-timeout", "100"}));
  std::map<int, int> statuses;
  std::uint64_t probes = 0;
  for (int batch = 0; batch < batches; ++batch) {
    http_client client;
    for (int i = 0; i < batch_size; ++i) {
      // Every other batch starts with a POST on the connection the upstream closed.
      ++statuses[request_status(client, port(), i == 0 && batch % 2 == 1)];
    }
    // The proxy's pooled connections went idle before this probe connected, so once
    // the upstream has closed the probe for idleness it has closed them too.
    http_client probe(blue().port());
    ++probes;
    ASSERT_TRUE(probe.wait_closed(std::chrono::seconds(5))) << "the upstream kept an idle probe";
  }
  EXPECT_EQ(statuses[200], batches * batch_size) << testing::PrintToString(statuses);
  upstream_stats stats;
  ASSERT_TRUE(blue().stats(stats));
  // Every batch needed fresh upstream connections: the idle path was really taken.
  EXPECT_GE(stats.connections_accepted - probes, static_cast<std::uint64_t>(batches));
}

TEST_F(pool_recovery, upstream_closing_after_n_requests_causes_no_errors) {
  ASSERT_TRUE(start(100, 0, {}, {"--max-requests-per-conn", "7"}));
  std::map<int, int> statuses;
  http_client client;
  for (int i = 0; i < batches * batch_size; ++i) {
    ++statuses[request_status(client, port(), i % 10 == 0)];
  }
  EXPECT_EQ(statuses[200], batches * batch_size) << testing::PrintToString(statuses);
  upstream_stats stats;
  ASSERT_TRUE(blue().stats(stats));
  EXPECT_GE(stats.connections_accepted, static_cast<std::uint64_t>(batches * batch_size / 7));
}

TEST_F(pool_recovery, upstream_closing_with_every_answer_causes_no_errors) {
  ASSERT_TRUE(start(100, 0));
  http_client client(port());
  for (int i = 0; i < 50; ++i) {
    auto response = client.get("/close");
    ASSERT_EQ(response.status, 200) << "request " << i << ": " << response.error;
    ASSERT_TRUE(response.keep_alive) << "the upstream's close is hop-by-hop";
  }
}

}  // namespace
}  // namespace quikedge::test
