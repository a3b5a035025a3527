// Drain windows: started when a weight goes to 0, ended by time or by the
// weight coming back, finished at once without a window.
#include <gtest/gtest.h>

#include "server/drain_tracker.hpp"

namespace quikedge::server {
namespace {

using namespace std::chrono_literals;
const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;

TEST(DrainTracker, WeightToZeroDrainsForTheWindow) {
  drain_tracker drains;
  drains.update({{"blue", 90}, {"green", 10}}, {{"blue", 100}, {"green", 0}}, 30s, t0);
  ASSERT_EQ(drains.active().size(), 1U);
  EXPECT_EQ(drains.active().at("green"), t0 + 30s);
  EXPECT_EQ(drains.next_end(), t0 + 30s);
  EXPECT_TRUE(drains.finished().empty());
  EXPECT_EQ(drains.left(t0 + 10s).at("green"), 20s);
}

TEST(DrainTracker, ZeroWindowFinishesAtOnce) {
  drain_tracker drains;
  drains.update({{"blue", 90}, {"green", 10}}, {{"blue", 100}, {"green", 0}}, 0s, t0);
  EXPECT_TRUE(drains.active().empty());
  EXPECT_EQ(drains.finished(), (std::set<std::string>{"green"}));
  drains.clear_finished();
  EXPECT_TRUE(drains.finished().empty());
}

TEST(DrainTracker, AStackAlreadyAtZeroDoesNotDrainAgain) {
  drain_tracker drains;
  drains.update({{"blue", 100}, {"green", 0}}, {{"blue", 50}, {"green", 0}}, 30s, t0);
  EXPECT_TRUE(drains.active().empty());
  EXPECT_TRUE(drains.finished().empty());
}

TEST(DrainTracker, RaisingTheWeightEndsTheDrain) {
  drain_tracker drains;
  drains.update({{"blue", 90}, {"green", 10}}, {{"blue", 100}, {"green", 0}}, 30s, t0);
  drains.update({{"blue", 100}, {"green", 0}}, {{"blue", 90}, {"green", 10}}, 30s, t0 + 1s);
  EXPECT_TRUE(drains.active().empty());
  EXPECT_TRUE(drains.finished().empty());
  EXPECT_EQ(drains.next_end(), std::nullopt);
}

TEST(DrainTracker, RemovedStacksStopDraining) {
  drain_tracker drains;
  drains.update({{"blue", 90}, {"green", 10}}, {{"blue", 100}, {"green", 0}}, 30s, t0);
  drains.update({{"blue", 100}, {"green", 0}}, {{"blue", 100}}, 30s, t0 + 1s);
  EXPECT_TRUE(drains.active().empty());
}

TEST(DrainTracker, ExpireEndsOnlyWindowsThatAreOver) {
  drain_tracker drains;
  drains.update({{"a", 1}, {"b", 1}, {"c", 1}}, {{"a", 0}, {"b", 1}, {"c", 1}}, 10s, t0);
  drains.update({{"a", 0}, {"b", 1}, {"c", 1}}, {{"a", 0}, {"b", 0}, {"c", 1}}, 20s, t0);
  EXPECT_FALSE(drains.expire(t0 + 9s));
  EXPECT_TRUE(drains.expire(t0 + 10s));
  EXPECT_EQ(drains.finished(), (std::set<std::string>{"a"}));
  EXPECT_EQ(drains.next_end(), t0 + 20s);
  EXPECT_TRUE(drains.expire(t0 + 25s));
  EXPECT_EQ(drains.finished(), (std::set<std::string>{"a", "b"}));
  EXPECT_TRUE(drains.active().empty());
}

TEST(DrainTracker, RestoreKeepsOnlyStacksAtZero) {
  drain_tracker drains;
  drains.restore({{"blue", 5s}, {"green", 7s}}, {{"blue", 100}, {"green", 0}}, t0);
  ASSERT_EQ(drains.active().size(), 1U);
  EXPECT_EQ(drains.active().at("green"), t0 + 7s);
  EXPECT_EQ(drains.left(t0 + 8s).at("green"), 0s);
}

}  // namespace
}  // namespace quikedge::server
