// hash_key routing: shares, determinism and monotonicity.
#include <gtest/gtest.h>

#include "routing/rendezvous_hash.hpp"
#include "unit/routing/two_stack_table.hpp"

namespace quikedge::routing {
namespace {

using test::two_stack_table;

TEST(RendezvousHash, SharesMatchWeightsWithinTwoPercent) {
  for (std::uint32_t green : {10U, 50U, 90U}) {
    auto table = two_stack_table(100 - green, green);
    int on_green = 0;
    for (int key = 0; key < 10000; ++key) {
      on_green += rendezvous_pick(table, "user-" + std::to_string(key)) == 1;
    }
    EXPECT_NEAR(on_green / 10000.0, green / 100.0, 0.02) << "green weight " << green;
  }
}

TEST(RendezvousHash, StableAcrossProcessesAndRuns) {
  // Fixed expectations: a change of hash function would move every user.
  EXPECT_EQ(stable_hash("user-1"), stable_hash("user-1"));
  EXPECT_NE(stable_hash("user-1"), stable_hash("user-2"));
  EXPECT_EQ(stable_hash(""), 17665956581633026203ULL);
}

TEST(RendezvousHash, RaisingGreenOnlyMovesKeysOntoGreen) {
  std::vector<int> previous;
  for (std::uint32_t green : {10U, 50U, 100U}) {
    auto table = two_stack_table(100, green);  // blue keeps its weight; green's rises
    std::vector<int> now;
    for (int key = 0; key < 10000; ++key) {
      now.push_back(rendezvous_pick(table, "k" + std::to_string(key)));
    }
    for (std::size_t i = 0; i < previous.size(); ++i) {
      if (previous[i] == 1) {
        EXPECT_EQ(now[i], 1) << "key " << i << " left green";
      }
    }
    previous = now;
  }
}

TEST(RendezvousHash, ShiftingWeightFromBlueToGreenKeepsGreenKeys) {
  // The rollout path: 90/10 → 50/50 → 0/100. Green's share only grows.
  std::vector<int> previous;
  for (auto [blue, green] : {std::pair{90U, 10U}, {50U, 50U}, {0U, 100U}}) {
    auto table = two_stack_table(blue, green);
    std::vector<int> now;
    for (int key = 0; key < 10000; ++key) {
      now.push_back(rendezvous_pick(table, "k" + std::to_string(key)));
    }
    for (std::size_t i = 0; i < previous.size(); ++i) {
      if (previous[i] == 1) {
        EXPECT_EQ(now[i], 1);
      }
    }
    previous = now;
  }
}

TEST(RendezvousHash, UnhealthyStackIsSkipped) {
  auto table = two_stack_table(50, 50, {.healthy = false});
  for (int key = 0; key < 100; ++key) {
    EXPECT_EQ(rendezvous_pick(table, std::to_string(key)), 0);
  }
}

}  // namespace
}  // namespace quikedge::routing
