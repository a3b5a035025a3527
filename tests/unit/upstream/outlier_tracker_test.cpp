// Passive ejection: thresholds, doubling backoff, never the last endpoint.
#include <gtest/gtest.h>

#include "upstream/endpoint_selector.hpp"
#include "upstream/outlier_tracker.hpp"

namespace quikedge::upstream {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

routing::stack_entry stack_of(int endpoints) {
  routing::stack_entry stack;
  for (int i = 0; i < endpoints; ++i) {
    routing::endpoint_entry e;
    e.id = static_cast<routing::endpoint_id>(i);
    stack.endpoints.push_back(e);
  }
  return stack;
}

TEST(OutlierTracker, EjectsAfterConsecutiveFailuresWithDoublingBackoff) {
  auto stack = stack_of(2);
  outlier_tracker tracker;
  outlier_detection_config settings{3, 1000ms, 3000ms, false};
  auto now = clock::now();
  EXPECT_FALSE(tracker.on_failure(stack, 0, settings, now));
  tracker.on_success(0);  // a success resets the run
  EXPECT_FALSE(tracker.on_failure(stack, 0, settings, now));
  EXPECT_FALSE(tracker.on_failure(stack, 0, settings, now));
  EXPECT_TRUE(tracker.on_failure(stack, 0, settings, now));
  EXPECT_TRUE(tracker.ejected(0, now + 999ms));
  EXPECT_FALSE(tracker.ejected(0, now + 1001ms));
  now += 1001ms;
  for (int i = 0; i < 3; ++i) {
    tracker.on_failure(stack, 0, settings, now);
  }
  EXPECT_TRUE(tracker.ejected(0, now + 1999ms)) << "second ejection lasts twice as long";
  EXPECT_FALSE(tracker.ejected(0, now + 2001ms));
  now += 2001ms;
  for (int i = 0; i < 3; ++i) {
    tracker.on_failure(stack, 0, settings, now);
  }
  EXPECT_FALSE(tracker.ejected(0, now + 3001ms)) << "capped at max_ejection";
}

TEST(OutlierTracker, NeverEjectsTheLastUsableEndpointUnlessAllowed) {
  auto stack = stack_of(1);
  outlier_tracker tracker;
  auto now = clock::now();
  outlier_detection_config keep{1, 1000ms, 1000ms, false};
  EXPECT_FALSE(tracker.on_failure(stack, 0, keep, now));
  EXPECT_TRUE(tracker.stack_usable(stack, now));
  outlier_detection_config allow{1, 1000ms, 1000ms, true};
  EXPECT_TRUE(tracker.on_failure(stack, 0, allow, now));
  EXPECT_FALSE(tracker.stack_usable(stack, now));
}

TEST(OutlierTracker, UnreachableEndpointsAreSkippedUntilANewTable) {
  auto stack = stack_of(2);
  outlier_tracker tracker;
  auto now = clock::now();
  tracker.on_unreachable(0, now);
  tracker.on_unreachable(1, now);
  EXPECT_FALSE(tracker.stack_usable(stack, now));
  tracker.clear_unreachable();
  EXPECT_TRUE(tracker.stack_usable(stack, now));
}

TEST(EndpointSelector, SkipsTriedAndEjectedButFallsBackToEjected) {
  auto stack = stack_of(3);
  outlier_tracker tracker;
  endpoint_selector selector(42);
  auto now = clock::now();
  tracker.on_unreachable(1, now);
  tried_endpoints tried;
  tried.add(0);
  EXPECT_EQ(selector.pick(stack, load_balancer::round_robin, tracker, tried, now), 2);
  tried.add(2);
  EXPECT_EQ(selector.pick(stack, load_balancer::round_robin, tracker, tried, now), 1)
      << "an ejected endpoint beats a 503";
  tried.add(1);
  EXPECT_EQ(selector.pick(stack, load_balancer::round_robin, tracker, tried, now), -1);
}

TEST(EndpointSelector, LeastRequestPrefersTheLessLoadedEndpoint) {
  auto stack = stack_of(2);
  outlier_tracker tracker;
  endpoint_selector selector(7);
  for (int i = 0; i < 10; ++i) {
    selector.on_start(0);
  }
  int picked_idle = 0;
  for (int i = 0; i < 200; ++i) {
    picked_idle +=
        selector.pick(stack, load_balancer::least_request, tracker, {}, clock::now()) == 1;
  }
  // Two random choices: the busy endpoint wins only when both draws hit it (~1/4).
  EXPECT_GT(picked_idle, 120);
}

}  // namespace
}  // namespace quikedge::upstream
