// Routing rule order: override, sticky cookie, hash key, weight, failover.
#include <gtest/gtest.h>

#include <string_view>

#include "routing/route_request.hpp"
#include "unit/routing/two_stack_table.hpp"

namespace quikedge::routing {
namespace {

using test::two_stack_table;

/// Routes a request that carries only the override header naming `stack`, weights 100:0.
route_decision with_override(std::string_view stack) {
  auto table = two_stack_table(100, 0);
  weighted_picker picker;
  return route_request(table, picker, {stack, std::nullopt, std::nullopt}, false);
}

TEST(RouteRequest, OverrideWinsEvenAtWeightZero) {
  auto d = with_override("green");
  EXPECT_EQ(d.stack, 1);
  EXPECT_EQ(d.rule, route_rule::override_header);
}

TEST(RouteRequest, UnknownOverrideFallsThrough) {
  auto d = with_override("purple");
  EXPECT_EQ(d.stack, 0);
  EXPECT_EQ(d.rule, route_rule::weight);
}

TEST(RouteRequest, CookieHonouredWhileWeightedOrDraining) {
  weighted_picker picker;
  auto weighted = two_stack_table(90, 10);
  auto d = route_request(weighted, picker, {std::nullopt, "green", std::nullopt}, true);
  EXPECT_EQ(d.stack, 1);
  EXPECT_FALSE(d.set_cookie);
  auto draining = two_stack_table(100, 0, {.draining = true});
  d = route_request(draining, picker, {std::nullopt, "green", std::nullopt}, true);
  EXPECT_EQ(d.stack, 1);
  EXPECT_FALSE(d.set_cookie);
  auto drained = two_stack_table(100, 0);
  d = route_request(drained, picker, {std::nullopt, "green", std::nullopt}, true);
  EXPECT_EQ(d.stack, 0);
  EXPECT_TRUE(d.set_cookie) << "a cookie for a drained stack is rewritten";
  auto unhealthy = two_stack_table(50, 50, {.healthy = false});
  d = route_request(unhealthy, picker, {std::nullopt, "green", std::nullopt}, true);
  EXPECT_EQ(d.stack, 0);
  EXPECT_TRUE(d.set_cookie);
}

TEST(RouteRequest, MissingCookieIsSetOnlyWhenConfigured) {
  auto table = two_stack_table(50, 50);
  weighted_picker picker;
  EXPECT_TRUE(route_request(table, picker, {}, true).set_cookie);
  EXPECT_FALSE(route_request(table, picker, {}, false).set_cookie);
}

TEST(RouteRequest, FailoverToAnyHealthyStack) {
  auto table = two_stack_table(0, 100, {.healthy = false});  // only green weighted, and it is down
  weighted_picker picker;
  auto d = route_request(table, picker, {}, false);
  EXPECT_EQ(d.stack, 0);
  EXPECT_EQ(d.rule, route_rule::failover);
}

}  // namespace
}  // namespace quikedge::routing
