// Weighted split, weight changes through the admin API, the override header
// and rollback, observed through X-QuikEdge-Stack on real requests.
#include <gtest/gtest.h>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

class split : public two_stacks {
 protected:
  /// Half the requests on one keep-alive connection, half on new connections.
  std::map<std::string, int> mixed_split(int count) {
    auto seen = two_stacks::split(count / 2, true);
    for (const auto& [stack, n] : two_stacks::split(count - count / 2, false)) {
      seen[stack] += n;
    }
    return seen;
  }

  /// `count` GETs on `kept`, each of which must be answered 200, then `count` more on new
  /// connections; their X-QuikEdge-Stack values are counted into `seen`.
  testing::AssertionResult kept_then_new(http_client& kept, int count,
                                         std::map<std::string, int>& seen) {
    for (int i = 0; i < count; ++i) {
      auto response = kept.get("/");
      if (response.status != 200) {
        return testing::AssertionFailure()
               << "request " << i << " on the kept connection: " << response.status << " "
               << response.error;
      }
      ++seen[response.header("X-QuikEdge-Stack")];
    }
    for (const auto& [stack, n] : two_stacks::split(count, false)) {
      seen[stack] += n;
    }
    return testing::AssertionSuccess();
  }

  testing::AssertionResult quikctl(const std::vector<std::string>& words) {
    std::vector<std::string> argv = {bin_path("quikctl"), "--admin", proxy.admin_url()};
    argv.insert(argv.end(), words.begin(), words.end());
    auto result = run_command(argv);
    if (result.exit_status != 0) {
      return testing::AssertionFailure() << "quikctl exited " << result.exit_status << "\n"
                                         << result.out << result.err;
    }
    return testing::AssertionSuccess();
  }
};

TEST_F(split, ninety_ten_is_exact_over_a_thousand_requests) {
  ASSERT_TRUE(start(90, 10));
  auto seen = mixed_split(1000);
  EXPECT_NEAR(seen["blue"], 900, 10);
  EXPECT_NEAR(seen["green"], 100, 10);
  EXPECT_EQ(seen["blue"] + seen["green"], 1000) << testing::PrintToString(seen);
}

TEST_F(split, weight_change_applies_to_the_very_next_requests) {
  ASSERT_TRUE(start(90, 10));
  // A keep-alive connection opened before the change keeps working after it.
  http_client kept(port());
  ASSERT_EQ(kept.get("/").status, 200);
  auto before = two_stacks::split(100, true);
  EXPECT_NEAR(before["blue"], 90, 2);

  auto answer = proxy.set_weights({{"blue", 50}, {"green", 50}});
  ASSERT_EQ(answer.status, 200) << answer.body;

  std::map<std::string, int> seen;
  ASSERT_TRUE(kept_then_new(kept, 500, seen));
  EXPECT_NEAR(seen["blue"], 500, 10) << testing::PrintToString(seen);
  EXPECT_NEAR(seen["green"], 500, 10) << testing::PrintToString(seen);
}

TEST_F(split, quikctl_sets_weights) {
  ASSERT_TRUE(start(90, 10));
  ASSERT_TRUE(quikctl({"weights", "blue=50", "green=50"}));
  auto seen = mixed_split(1000);
  EXPECT_NEAR(seen["blue"], 500, 10) << testing::PrintToString(seen);
  EXPECT_NEAR(seen["green"], 500, 10) << testing::PrintToString(seen);
}

TEST_F(split, override_header_forces_green_even_at_weight_zero) {
  ASSERT_TRUE(start(100, 0));
  auto forced = two_stacks::split(50, true, {{"X-QuikApp-Stack", "green"}});
  EXPECT_EQ(forced["green"], 50) << testing::PrintToString(forced);
  auto plain = two_stacks::split(50, true);
  EXPECT_EQ(plain["blue"], 50) << testing::PrintToString(plain);
  // An unknown stack name in the header falls back to the weights.
  auto unknown = two_stacks::split(20, true, {{"X-QuikApp-Stack", "purple"}});
  EXPECT_EQ(unknown["blue"], 20) << testing::PrintToString(unknown);
}

TEST_F(split, rollback_moves_all_traffic_at_once) {
  ASSERT_TRUE(start(100, 0));
  ASSERT_TRUE(quikctl({"weights", "blue=50", "green=50"}));
  http_client kept(port());
  auto shifted = two_stacks::split(100, true);
  ASSERT_GT(shifted["green"], 40) << testing::PrintToString(shifted);

  ASSERT_TRUE(quikctl({"rollback", "--to", "blue"}));
  std::map<std::string, int> seen;
  ASSERT_TRUE(kept_then_new(kept, 100, seen));
  EXPECT_EQ(seen["blue"], 200) << testing::PrintToString(seen);
}

TEST_F(split, rollback_without_target_returns_to_the_previous_sole_stack) {
  ASSERT_TRUE(start(100, 0));
  ASSERT_EQ(proxy.set_weights({{"blue", 10}, {"green", 90}}).status, 200);
  ASSERT_EQ(proxy.set_weights({{"blue", 0}, {"green", 100}}).status, 200);
  auto answer = proxy.admin("POST", "/api/v1/rollback", "{}");
  ASSERT_EQ(answer.status, 200) << answer.body;
  auto seen = mixed_split(100);
  EXPECT_EQ(seen["blue"], 100) << testing::PrintToString(seen);
}

}  // namespace
}  // namespace quikedge::test
