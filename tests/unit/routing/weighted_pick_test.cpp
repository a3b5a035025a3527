// Weighted stack choice: exact short-run shares, skipping unhealthy stacks.
#include <gtest/gtest.h>

#include "routing/weighted_pick.hpp"

namespace quikedge::routing {
namespace {

routing_table make_table(std::vector<std::uint32_t> weights, std::vector<bool> healthy,
                         std::uint64_t version = 1) {
  std::vector<stack_entry> stacks;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    stack_entry stack;
    stack.id = static_cast<stack_id>(i);
    stack.name = "s" + std::to_string(i);
    stack.weight = weights[i];
    for (int e = 0; e < 3; ++e) {
      endpoint_entry endpoint;
      endpoint.id = static_cast<endpoint_id>(i * 10 + e);
      endpoint.healthy = healthy[i];
      stack.endpoints.push_back(endpoint);
    }
    stacks.push_back(stack);
  }
  return routing_table(version, std::move(stacks), std::make_shared<config>());
}

TEST(WeightedPicker, ExactSharesInEveryWindowOfTotalWeight) {
  auto table = make_table({90, 10}, {true, true});
  weighted_picker picker;
  for (int window = 0; window < 50; ++window) {
    int counts[2] = {0, 0};
    for (int i = 0; i < 100; ++i) {
      ++counts[picker.pick_stack(table)];
    }
    EXPECT_EQ(counts[0], 90);
    EXPECT_EQ(counts[1], 10);
  }
}

TEST(WeightedPicker, InterleavesRatherThanBunches) {
  auto table = make_table({1, 1}, {true, true});
  weighted_picker picker;
  int previous = picker.pick_stack(table);
  for (int i = 0; i < 20; ++i) {
    int next = picker.pick_stack(table);
    EXPECT_NE(next, previous);
    previous = next;
  }
}

TEST(WeightedPicker, ThreeStacksOddWeights) {
  auto table = make_table({7, 2, 1}, {true, true, true});
  weighted_picker picker;
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 1000; ++i) {
    ++counts[picker.pick_stack(table)];
  }
  EXPECT_EQ(counts[0], 700);
  EXPECT_EQ(counts[1], 200);
  EXPECT_EQ(counts[2], 100);
}

TEST(WeightedPicker, SkipsUnhealthyAndZeroWeightStacks) {
  auto table = make_table({50, 50, 0}, {false, true, true});
  weighted_picker picker;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(picker.pick_stack(table), 1);
  }
  auto dead = make_table({50, 0}, {false, true});
  EXPECT_EQ(picker.pick_stack(dead), -1);
  EXPECT_EQ(weighted_picker::any_healthy_stack(dead), 1);
}

TEST(WeightedPicker, RoundRobinOverHealthyEndpoints) {
  auto table = make_table({1}, {true});
  auto stack = table.stacks()[0];
  stack.endpoints[1].healthy = false;
  weighted_picker picker;
  std::vector<int> seen;
  for (int i = 0; i < 6; ++i) {
    seen.push_back(picker.pick_endpoint(stack));
  }
  EXPECT_EQ(seen, (std::vector<int>{0, 2, 0, 2, 0, 2}));
}

}  // namespace
}  // namespace quikedge::routing
