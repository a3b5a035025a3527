// The rules every set of live weights obeys.
#include <gtest/gtest.h>

#include "quikedge/weight_limits.hpp"
#include "server/weight_rules.hpp"
#include "unit/server/two_stack_config.hpp"

namespace quikedge::server {
namespace {

TEST(WeightRules, AcceptsEveryStackNamedWithSomeWeight) {
  const auto cfg = test::two_stacks();
  EXPECT_EQ(validate_weights(cfg, {{"blue", 0}, {"green", 1}}), std::nullopt);
  EXPECT_EQ(validate_weights(cfg, {{"blue", max_stack_weight}, {"green", max_stack_weight}}),
            std::nullopt);
}

TEST(WeightRules, RefusesWithTheReason) {
  const auto cfg = test::two_stacks();
  EXPECT_EQ(validate_weights(cfg, {{"blue", 1}, {"green", 1}, {"red", 1}}),
            "unknown stack \"red\"");
  EXPECT_EQ(validate_weights(cfg, {{"blue", 1}}),
            "weights must name every stack; missing \"green\"");
  EXPECT_EQ(validate_weights(cfg, {{"blue", 0}, {"green", 0}}), "all weights are zero");
  EXPECT_EQ(validate_weights(cfg, {{"blue", max_stack_weight + 1}, {"green", 0}}),
            "weight of \"blue\" is over 1000000");
}

TEST(WeightRules, ConfigWeightsNameEveryStack) {
  auto cfg = test::two_stacks();
  cfg.routing.weights = {{"blue", 7}};
  EXPECT_EQ(config_weights(cfg), (weight_map{{"blue", 7}, {"green", 0}}));
}

TEST(WeightRules, SoleStackOnlyWhenOneHoldsAllWeight) {
  EXPECT_EQ(sole_stack({{"blue", 100}, {"green", 0}}), "blue");
  EXPECT_EQ(sole_stack({{"blue", 90}, {"green", 10}}), std::nullopt);
  EXPECT_EQ(sole_stack({{"blue", 0}, {"green", 0}}), std::nullopt);
}

TEST(WeightRules, RollbackGivesTheTargetAtLeastOneHundred) {
  EXPECT_EQ(rollback_weights({{"blue", 10}, {"green", 90}}, "blue"),
            (weight_map{{"blue", 100}, {"green", 0}}));
  EXPECT_EQ(rollback_weights({{"blue", 500}, {"green", 90}}, "blue"),
            (weight_map{{"blue", 500}, {"green", 0}}));
}

TEST(WeightRules, JsonIsAnObjectByName) {
  EXPECT_EQ(weights_json({{"blue", 90}, {"green", 10}}), R"({"blue":90,"green":10})");
}

}  // namespace
}  // namespace quikedge::server

namespace quikedge::server {
namespace {

TEST(WeightRules, ShareIsPercentRoundedDown) {
  EXPECT_EQ(weight_share({{"blue", 2}, {"green", 1}}, "green"), 33U);
  EXPECT_EQ(weight_share({{"blue", 0}, {"green", 7}}, "green"), 100U);
  EXPECT_EQ(weight_share({{"blue", 0}, {"green", 0}}, "green"), 0U);
  EXPECT_EQ(weight_share({{"blue", 1}}, "green"), 0U);
}

}  // namespace
}  // namespace quikedge::server
