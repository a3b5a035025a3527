// The fleet-wide sum of the target's counters the rollout leader gates on:
// it only grows, a first reading is a baseline, restarts count from zero,
// replicas that leave keep what they gave, and one replica that sees the
// target down makes it unhealthy. Plus the publication format round trip.
#include <gtest/gtest.h>

#include "rollout/fleet_counters.hpp"

namespace quikedge::rollout {
namespace {

counter_sample counts(std::uint64_t requests, std::uint64_t errors, bool healthy = true) {
  counter_sample s;
  s.requests = requests;
  s.errors = errors;
  s.buckets[0] = requests;
  s.healthy = healthy;
  return s;
}

std::map<std::string, stack_samples> reading(
    std::initializer_list<std::pair<std::string, counter_sample>> green_by_replica) {
  std::map<std::string, stack_samples> out;
  for (const auto& [replica, sample] : green_by_replica) {
    out[replica]["green"] = sample;
  }
  return out;
}

TEST(FleetCounterSum, TheFirstReadingIsABaselineAndLaterOnesAddTheirGrowth) {
  fleet_counter_sum sum;
  sum.update(reading({{"b", counts(1000, 10)}, {"c", counts(500, 0)}}));
  auto first = sum.total("green", counts(7, 1));
  EXPECT_EQ(first.requests, 7u);  // the others' past requests are not the rollout's
  EXPECT_EQ(first.errors, 1u);

  sum.update(reading({{"b", counts(1100, 30)}, {"c", counts(550, 0)}}));
  auto second = sum.total("green", counts(9, 1));
  EXPECT_EQ(second.requests, 9u + 100 + 50);
  EXPECT_EQ(second.errors, 1u + 20);
  EXPECT_EQ(second.buckets[0], 9u + 150);
  EXPECT_TRUE(second.healthy);
}

TEST(FleetCounterSum, ARestartedReplicaCountsFromZeroAndALeftOneKeepsWhatItGave) {
  fleet_counter_sum sum;
  sum.update(reading({{"b", counts(1000, 0)}, {"c", counts(100, 0)}}));
  sum.update(reading({{"b", counts(1040, 4)}, {"c", counts(120, 0)}}));
  EXPECT_EQ(sum.total("green", {}).requests, 60u);
  // b restarted (its counters went down): its 30 new requests count whole;
  // c left: its 20 stay, and the sum never goes backwards.
  sum.update(reading({{"b", counts(30, 3)}}));
  auto total = sum.total("green", {});
  EXPECT_EQ(total.requests, 60u + 30);
  EXPECT_EQ(total.errors, 4u + 3);
  EXPECT_EQ(sum.replicas(), 1u);
  // c comes back: a new baseline, not its whole history again.
  sum.update(reading({{"b", counts(30, 3)}, {"c", counts(500, 0)}}));
  EXPECT_EQ(sum.total("green", {}).requests, 90u);
}

TEST(FleetCounterSum, OneReplicaThatSeesTheStackDownMakesItUnhealthy) {
  fleet_counter_sum sum;
  sum.update(reading({{"b", counts(10, 0, true)}, {"c", counts(10, 0, false)}}));
  EXPECT_FALSE(sum.total("green", counts(1, 0, true)).healthy);
  EXPECT_TRUE(sum.total("blue", counts(1, 0, true)).healthy);
  sum.update(reading({{"b", counts(10, 0, true)}}));
  EXPECT_TRUE(sum.total("green", counts(1, 0, true)).healthy);
  EXPECT_FALSE(sum.total("green", counts(1, 0, false)).healthy);
}

TEST(FleetCounterSum, ClearStartsANewLeadersCountFromItsFirstReading) {
  fleet_counter_sum sum;
  sum.update(reading({{"b", counts(10, 0)}}));
  sum.update(reading({{"b", counts(20, 0)}}));
  sum.clear();
  sum.update(reading({{"b", counts(25, 0)}}));
  EXPECT_EQ(sum.total("green", {}).requests, 0u);
}

TEST(StackSamples, RoundTripAndRefuseWhatIsNotAPublication) {
  stack_samples samples{{"blue", counts(5, 1)}, {"green", counts(9, 0, false)}};
  samples["green"].buckets[bucket_count - 1] = 3;
  auto decoded = decode_stack_samples(encode_stack_samples(samples));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->size(), 2u);
  EXPECT_EQ(decoded->at("blue").requests, 5u);
  EXPECT_EQ(decoded->at("blue").errors, 1u);
  EXPECT_FALSE(decoded->at("green").healthy);
  EXPECT_EQ(decoded->at("green").buckets[bucket_count - 1], 3u);

  EXPECT_FALSE(decode_stack_samples("not json"));
  EXPECT_FALSE(decode_stack_samples(R"({"stacks":{"green":{"requests":-1,"errors":0,)"
                                    R"("buckets":[],"healthy":true}}})"));
  EXPECT_FALSE(decode_stack_samples(R"({"stacks":{"green":{"requests":1,"errors":0,)"
                                    R"("buckets":[1,2],"healthy":true}}})"));
  EXPECT_FALSE(decode_stack_samples(R"({"other":{}})"));
}

}  // namespace
}  // namespace quikedge::rollout
