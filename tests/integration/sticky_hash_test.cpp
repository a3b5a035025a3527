// Routing by hash_key (header X-User-Id) over 10,000 keys: shares
// within +-2% of the weights, the same mapping from two proxy processes, and
// monotonicity: raising green's weight never moves a key away from green.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

constexpr int key_count = 10'000;
constexpr int batch = 250;  ///< requests pipelined per send on one connection

proxy_config hash_config() {
  proxy_config config;
  config.routing_extra =
      "  sticky: { cookie: quikedge_stack, cookie_ttl: 1h, hash_key: \"header:X-User-Id\" }\n"
      "  websocket: { drain_timeout: 2s, rollback_drain_timeout: 0s }\n";
  return config;
}

std::string key(int i) {
  return "user-" + std::to_string(i * 7919 + 17);
}

/// Maps keys [first, last) on one keep-alive connection: pipelined batches of GETs with
/// X-User-Id (and no cookie, so rule 3 decides).
testing::AssertionResult map_slice(std::uint16_t port, int first_key, int last_key,
                                   std::vector<std::string>& stacks) {
  http_client client(port);
  if (!client.is_open()) {
    return testing::AssertionFailure() << "connect: " << client.error();
  }
  for (int first = first_key; first < last_key; first += batch) {
    const int last = std::min(last_key, first + batch);
    std::string requests;
    for (int i = first; i < last; ++i) {
      requests += request_text("GET", "/", {{"X-User-Id", key(i)}});
    }
    if (!client.send(requests)) {
      return testing::AssertionFailure() << "send: " << client.error();
    }
    for (int i = first; i < last; ++i) {
      auto response = client.read_response();
      if (response.status != 200) {
        return testing::AssertionFailure()
               << "key " << key(i) << ": " << response.status << " " << response.error;
      }
      stacks[static_cast<std::size_t>(i)] = response.header("X-QuikEdge-Stack");
    }
  }
  return testing::AssertionSuccess();
}

/// The stack serving each key through the proxy on `port`, over `connections`
/// connections in parallel (so every proxy worker gets a share).
testing::AssertionResult map_keys(std::uint16_t port, std::vector<std::string>& stacks) {
  constexpr int connections = 4;
  stacks.assign(key_count, "");
  std::vector<testing::AssertionResult> results(connections, testing::AssertionSuccess());
  {
    std::vector<std::jthread> threads;
    for (int c = 0; c < connections; ++c) {
      threads.emplace_back([&, c] {
        results[static_cast<std::size_t>(c)] =
            map_slice(port, key_count * c / connections, key_count * (c + 1) / connections, stacks);
      });
    }
  }
  for (auto& result : results) {
    if (!result) {
      return result;
    }
  }
  return testing::AssertionSuccess();
}

int count_of(const std::vector<std::string>& stacks, const std::string& name) {
  return static_cast<int>(std::count(stacks.begin(), stacks.end(), name));
}

/// Keys on green in `before` that are elsewhere in `after`, as a readable list.
std::string keys_leaving_green(const std::vector<std::string>& before,
                               const std::vector<std::string>& after, int& leaving) {
  std::string text;
  leaving = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (before[i] == "green" && after[i] != "green") {
      if (++leaving <= 5) {
        text += " " + key(static_cast<int>(i)) + "->" + after[i];
      }
    }
  }
  return text;
}

class sticky_hash : public two_stacks {
 protected:
  testing::AssertionResult start_hashed(int blue, int green) {
    return start(blue, green, hash_config());
  }

  /// Sets these weights, maps the keys and checks green's share is within 2% of the keys.
  void map_at(int blue, int green, std::vector<std::string>& stacks) {
    auto answer = proxy.set_weights({{"blue", blue}, {"green", green}});
    ASSERT_EQ(answer.status, 200) << answer.error << answer.body;
    ASSERT_TRUE(map_keys(port(), stacks));
    const double expected = key_count * static_cast<double>(green) / (blue + green);
    EXPECT_NEAR(count_of(stacks, "green"), expected, 0.02 * key_count)
        << "at blue " << blue << ", green " << green;
    EXPECT_EQ(count_of(stacks, "green") + count_of(stacks, "blue"), key_count);
  }
};

TEST_F(sticky_hash, shares_match_the_weights_within_two_percent_over_ten_thousand_keys) {
  ASSERT_TRUE(start_hashed(90, 10));
  std::vector<std::string> first;
  map_at(90, 10, first);
  // The same keys again: every key where it was (a pure function of key and weights).
  std::vector<std::string> again;
  ASSERT_TRUE(map_keys(port(), again));
  EXPECT_TRUE(first == again) << "a key changed stack without a weight change";
  std::vector<std::string> half;
  map_at(50, 50, half);
}

TEST_F(sticky_hash, two_proxy_processes_with_the_same_config_map_every_key_alike) {
  ASSERT_TRUE(start_hashed(90, 10));
  proxy_process second;
  proxy_config config = hash_config();
  config.stacks = {{"blue", {blue().address()}, 90}, {"green", {green().address()}, 10}};
  ASSERT_TRUE(second.start(config));

  std::vector<std::string> from_first;
  std::vector<std::string> from_second;
  ASSERT_TRUE(map_keys(port(), from_first));
  ASSERT_TRUE(map_keys(second.http_port(), from_second));
  int differing = 0;
  for (int i = 0; i < key_count; ++i) {
    differing +=
        from_first[static_cast<std::size_t>(i)] != from_second[static_cast<std::size_t>(i)];
  }
  EXPECT_EQ(differing, 0);
  EXPECT_NEAR(count_of(from_first, "green"), 0.1 * key_count, 0.02 * key_count);
}

// Blue stays at 100 while green rises 10 -> 50 -> 100 (shares 9.1%, 33.3%, 50%).
TEST_F(sticky_hash, no_key_leaves_green_while_its_weight_rises_and_blue_stays) {
  ASSERT_TRUE(start_hashed(100, 10));
  std::vector<std::string> previous;
  map_at(100, 10, previous);
  for (int green : {50, 100}) {
    std::vector<std::string> now;
    map_at(100, green, now);
    int leaving = 0;
    const std::string sample = keys_leaving_green(previous, now, leaving);
    EXPECT_EQ(leaving, 0) << "green 10 -> " << green << ":" << sample;
    EXPECT_GT(count_of(now, "green"), count_of(previous, "green"));
    previous = std::move(now);
  }
}

// Green rises 10 -> 50 -> 100 while blue falls 90 -> 50 -> 0 (green's share 10%, 50%,
// 100%): keys only ever move onto green.
TEST_F(sticky_hash, no_key_leaves_green_while_its_weight_rises_and_blue_falls) {
  ASSERT_TRUE(start_hashed(90, 10));
  std::vector<std::string> previous;
  map_at(90, 10, previous);
  for (auto [blue, green] : std::vector<std::pair<int, int>>{{50, 50}, {0, 100}}) {
    std::vector<std::string> now;
    map_at(blue, green, now);
    int leaving = 0;
    const std::string sample = keys_leaving_green(previous, now, leaving);
    EXPECT_EQ(leaving, 0) << "to blue " << blue << " green " << green << ":" << sample;
    previous = std::move(now);
  }
  EXPECT_EQ(count_of(previous, "green"), key_count);
}

}  // namespace
}  // namespace quikedge::test
