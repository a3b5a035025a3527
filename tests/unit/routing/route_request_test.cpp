// Routing rule order: override, sticky cookie, hash key, weight, failover.
#include <gtest/gtest.h>

#include "routing/route_request.hpp"

namespace quikedge::routing {
namespace {

routing_table make(std::uint32_t blue, std::uint32_t green, bool green_draining = false,
                   bool green_healthy = true) {
  std::vector<stack_entry> stacks(2);
  stacks[0].name = "blue";
  stacks[0].weight = blue;
  stacks[0].endpoints.push_back({});
  stacks[1].id = 1;
  stacks[1].name = "green";
  stacks[1].weight = green;
  stacks[1].draining = green_draining;
  stacks[1].endpoints.push_back({});
  stacks[1].endpoints[0].healthy = green_healthy;
  return routing_table(1, std::move(stacks), std::make_shared<config>());
}

TEST(RouteRequest, OverrideWinsEvenAtWeightZero) {
  auto table = make(100, 0);
  weighted_picker picker;
  auto d = route_request(table, picker, {"green", std::nullopt, std::nullopt}, false);
  EXPECT_EQ(d.stack, 1);
  EXPECT_EQ(d.rule, route_rule::override_header);
}

TEST(RouteRequest, UnknownOverrideFallsThrough) {
  auto table = make(100, 0);
  weighted_picker picker;
  auto d = route_request(table, picker, {"purple", std::nullopt, std::nullopt}, false);
  EXPECT_EQ(d.stack, 0);
  EXPECT_EQ(d.rule, route_rule::weight);
}

TEST(RouteRequest, CookieHonouredWhileWeightedOrDraining) {
  weighted_picker picker;
  auto weighted = make(90, 10);
  auto d = route_request(weighted, picker, {std::nullopt, "green", std::nullopt}, true);
  EXPECT_EQ(d.stack, 1);
  EXPECT_FALSE(d.set_cookie);
  auto draining = make(100, 0, true);
  d = route_request(draining, picker, {std::nullopt, "green", std::nullopt}, true);
  EXPECT_EQ(d.stack, 1);
  EXPECT_FALSE(d.set_cookie);
  auto drained = make(100, 0, false);
  d = route_request(drained, picker, {std::nullopt, "green", std::nullopt}, true);
  EXPECT_EQ(d.stack, 0);
  EXPECT_TRUE(d.set_cookie) << "a cookie for a drained stack is rewritten";
  auto unhealthy = make(50, 50, false, false);
  d = route_request(unhealthy, picker, {std::nullopt, "green", std::nullopt}, true);
  EXPECT_EQ(d.stack, 0);
  EXPECT_TRUE(d.set_cookie);
}

TEST(RouteRequest, MissingCookieIsSetOnlyWhenConfigured) {
  auto table = make(50, 50);
  weighted_picker picker;
  EXPECT_TRUE(route_request(table, picker, {}, true).set_cookie);
  EXPECT_FALSE(route_request(table, picker, {}, false).set_cookie);
}

TEST(RouteRequest, FailoverToAnyHealthyStack) {
  auto table = make(0, 100, false, false);  // only green weighted, and it is down
  weighted_picker picker;
  auto d = route_request(table, picker, {}, false);
  EXPECT_EQ(d.stack, 0);
  EXPECT_EQ(d.rule, route_rule::failover);
}

}  // namespace
}  // namespace quikedge::routing
