// Gate arithmetic: histogram_quantile-style p99, sliding-window differences,
// and the verdicts with their reasons.
#include <gtest/gtest.h>

#include "fake_target.hpp"
#include "rollout/gate_window.hpp"

namespace quikedge::rollout {
namespace {

using namespace std::chrono_literals;
using test::fake_clock;
using test::fake_target;

bucket_counts buckets_with(std::initializer_list<std::pair<std::size_t, std::uint64_t>> counts) {
  bucket_counts out{};
  for (const auto& [index, count] : counts) {
    out[index] = count;
  }
  return out;
}

TEST(BucketQuantile, InterpolatesInsideTheBucketFromZero) {
  // 100 observations all <= 5 ms: rank 99 lies 99% of the way into [0, 0.005].
  EXPECT_DOUBLE_EQ(*bucket_quantile(0.99, buckets_with({{0, 100}})), 0.005 * 0.99);
}

TEST(BucketQuantile, InterpolatesBetweenTheBucketBounds) {
  // 90 fast, 10 in (0.25, 0.5]: rank 99 is the 9th of 10 in that bucket.
  EXPECT_DOUBLE_EQ(*bucket_quantile(0.99, buckets_with({{0, 90}, {6, 10}})), 0.25 + 0.25 * 0.9);
  EXPECT_DOUBLE_EQ(*bucket_quantile(0.5, buckets_with({{0, 50}, {1, 50}})), 0.005);
}

TEST(BucketQuantile, AnswersTheHighestBoundForTheInfBucketAndNothingWhenEmpty) {
  EXPECT_DOUBLE_EQ(*bucket_quantile(0.99, buckets_with({{bucket_count - 1, 5}})), 10.0);
  EXPECT_FALSE(bucket_quantile(0.99, bucket_counts{}).has_value());
}

TEST(GateWindow, SubtractsTheOldestSampleInsideTheWindow) {
  fake_clock clock;
  fake_target target;
  gate_window window;
  for (int i = 0; i < 4; ++i) {
    window.add(target.sample(clock.now), 2s);
    target.serve(100);
    clock.advance(1s);
  }
  // Samples at 0, 1, 2, 3 s with 0, 100, 200, 300 requests: the window [1 s, 3 s].
  auto totals = window.totals(2s);
  EXPECT_EQ(totals.requests, 200U);
  EXPECT_EQ(totals.span, 2s);
  EXPECT_EQ(totals.buckets[0], 200U);
  EXPECT_EQ(window.size(), 3U) << "the sample older than the window is dropped";
}

TEST(GateWindow, StartsOverWhenCountersGoBackwards) {
  fake_clock clock;
  fake_target target;
  gate_window window;
  target.serve(50);
  window.add(target.sample(clock.now), 10s);
  window.add(fake_target{}.sample(clock.advance(250ms)), 10s);
  EXPECT_EQ(window.size(), 1U);
  EXPECT_EQ(window.totals(10s).requests, 0U);
}

rollout_gates gates(std::uint64_t min_requests, double max_error_rate,
                    std::chrono::milliseconds max_p99) {
  rollout_gates g;
  g.window = 10s;
  g.min_requests = min_requests;
  g.max_error_rate = max_error_rate;
  g.max_p99_latency = max_p99;
  return g;
}

window_totals totals_of(const fake_target& target) {
  gate_window window;
  window.add(fake_target{}.sample(steady_time{}), 10s);
  window.add(target.sample(steady_time{} + 5s), 10s);
  return window.totals(10s);
}

TEST(EvaluateGates, FailsTheErrorGateAboveTheRateAndNamesTheValues) {
  fake_target target;
  target.serve(998);
  target.serve(2, 503);
  auto report = evaluate_gates(totals_of(target), gates(200, 0.001, 500ms));
  EXPECT_TRUE(report.enough_requests);
  EXPECT_FALSE(report.error_rate_passed);
  EXPECT_TRUE(report.p99_passed);
  EXPECT_FALSE(report.passed);
  EXPECT_DOUBLE_EQ(report.error_rate, 0.002);
  EXPECT_EQ(report.window_seconds, 5.0);
  EXPECT_NE(report.failure.find("error rate gate failed: 0.200% (2 5xx) > max 0.100%"),
            std::string::npos)
      << report.failure;
  EXPECT_NE(report.failure.find("over 1000 requests in the last 5.0s"), std::string::npos)
      << report.failure;
}

TEST(EvaluateGates, PassesARateEqualToTheLimit) {
  fake_target target;
  target.serve(999);
  target.serve(1, 500);
  auto report = evaluate_gates(totals_of(target), gates(200, 0.001, 500ms));
  EXPECT_TRUE(report.passed) << report.failure;
  EXPECT_TRUE(report.failure.empty());
}

TEST(EvaluateGates, FailsTheP99GateOnSlowRequests) {
  fake_target target;
  target.serve(95, 200, 2ms);
  target.serve(5, 200, 400ms);
  auto report = evaluate_gates(totals_of(target), gates(50, 0.001, 200ms));
  EXPECT_TRUE(report.error_rate_passed);
  EXPECT_FALSE(report.p99_passed);
  ASSERT_TRUE(report.p99_seconds.has_value());
  EXPECT_DOUBLE_EQ(*report.p99_seconds, 0.25 + 0.25 * 0.8);
  EXPECT_NE(report.failure.find("p99 latency gate failed: 450.0ms > max 200.0ms"),
            std::string::npos)
      << report.failure;
}

TEST(EvaluateGates, GivesNoVerdictBelowMinRequests) {
  fake_target target;
  target.serve(19, 500);
  auto report = evaluate_gates(totals_of(target), gates(20, 0.001, 500ms));
  EXPECT_FALSE(report.enough_requests);
  EXPECT_FALSE(report.passed);
  EXPECT_TRUE(report.failure.empty());
  EXPECT_EQ(report.requests, 19U);
  // Without any request there is no verdict even when min_requests is 0.
  EXPECT_FALSE(evaluate_gates(window_totals{}, gates(0, 0.001, 500ms)).enough_requests);
}

}  // namespace
}  // namespace quikedge::rollout
