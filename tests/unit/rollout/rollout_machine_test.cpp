// The rollout state machine under a fake clock and fake target counters:
// steps advance only after their pause with passing gates, too little traffic
// waits, a failing gate rolls back at the next sample, operator actions.
#include <gtest/gtest.h>

#include <vector>

#include "fake_target.hpp"
#include "rollout/rollout_machine.hpp"

namespace quikedge::rollout {
namespace {

using namespace std::chrono_literals;
using kind = rollout_effect::kind;

rollout_plan three_steps() {
  rollout_plan plan;
  plan.steps = {{10, 1s}, {50, 1s}, {100, 0ms}};
  plan.gates.window = 2s;
  plan.gates.min_requests = 20;
  plan.gates.max_error_rate = 0.001;
  plan.gates.max_p99_latency = 500ms;
  return plan;
}

struct timed_effect {
  steady_time at;
  rollout_effect effect;
};

class machine_test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = machine.start("blue", "green", three_steps(), clock.now, "ops");
    ASSERT_EQ(started.status, 200);
    EXPECT_EQ(started.effect.what, kind::set_weights);
    EXPECT_EQ(started.effect.target_weight, 10U);
    EXPECT_EQ(started.effect.action, "rollout_start");
    start = clock.now;
    machine.on_sample(target.sample(clock.now));  // baseline
  }

  /// Runs `duration` in 250 ms samples, serving `per_sample` responses before
  /// each; returns the effects the machine asked for.
  std::vector<timed_effect> run(std::chrono::milliseconds duration, std::uint64_t per_sample,
                                int status = 200, std::chrono::milliseconds latency = 2ms) {
    std::vector<timed_effect> effects;
    for (auto left = duration; left > 0ms; left -= 250ms) {
      target.serve(per_sample, status, latency);
      auto effect = machine.on_sample(target.sample(clock.advance(250ms)));
      if (effect.what != kind::none) {
        effects.push_back({clock.now, effect});
      }
    }
    return effects;
  }

  test::fake_clock clock;
  test::fake_target target;
  rollout_machine machine;
  steady_time start;
};

TEST_F(machine_test, HealthyTargetSucceedsThroughEveryStep) {
  auto effects = run(5s, 10);
  ASSERT_EQ(effects.size(), 3U);
  EXPECT_EQ(effects[0].effect.action, "rollout_step");
  EXPECT_EQ(effects[0].effect.target_weight, 50U);
  EXPECT_EQ(effects[0].at - start, 1s) << "advances when the first pause ends";
  EXPECT_EQ(effects[1].effect.target_weight, 100U);
  EXPECT_EQ(effects[1].at - start, 2s);
  EXPECT_EQ(effects[2].effect.action, "rollout_succeeded");
  EXPECT_EQ(effects[2].effect.target_weight, 100U);
  EXPECT_EQ(machine.state(), rollout_state::succeeded);
  EXPECT_EQ(machine.weight(), 100U);
  EXPECT_TRUE(machine.last_gate().passed);
  EXPECT_FALSE(machine.next_step_at().has_value());
}

TEST_F(machine_test, TooLittleTrafficWaitsInsteadOfAdvancing) {
  // 1 request per 250 ms: 8 in the 2 s window, below min_requests = 20.
  EXPECT_TRUE(run(5s, 1).empty());
  EXPECT_EQ(machine.state(), rollout_state::progressing);
  EXPECT_EQ(machine.step(), 0U);
  EXPECT_FALSE(machine.last_gate().enough_requests);
  EXPECT_NE(machine.reason().find("waiting for traffic: 8 of 20 requests"), std::string::npos)
      << machine.reason();
  // Traffic arrives: the step advances as soon as the window holds enough.
  auto effects = run(1s, 10);
  ASSERT_FALSE(effects.empty());
  EXPECT_EQ(effects[0].effect.target_weight, 50U);
}

TEST_F(machine_test, FailingErrorGateRollsBackAtTheNextSampleDuringThePause) {
  EXPECT_TRUE(run(500ms, 20).empty());
  target.serve(2, 500);
  auto effect = machine.on_sample(target.sample(clock.advance(250ms)));
  EXPECT_EQ(effect.what, kind::rollback);
  EXPECT_EQ(effect.target_weight, 0U);
  EXPECT_EQ(effect.action, "rollout_rollback");
  EXPECT_EQ(machine.state(), rollout_state::rolled_back);
  EXPECT_EQ(machine.weight(), 0U);
  EXPECT_NE(machine.reason().find("error rate gate failed"), std::string::npos) << machine.reason();
  EXPECT_NE(machine.reason().find("all weight back to blue"), std::string::npos);
  EXPECT_TRUE(run(2s, 10).empty()) << "a finished rollout asks for nothing more";
}

TEST_F(machine_test, SlowTargetRollsBackOnP99) {
  auto effects = run(1s, 10, 200, 800ms);
  ASSERT_EQ(effects.size(), 1U);
  EXPECT_EQ(effects[0].effect.what, kind::rollback);
  EXPECT_NE(machine.reason().find("p99 latency gate failed"), std::string::npos)
      << machine.reason();
}

TEST_F(machine_test, TargetWithoutAHealthyEndpointRollsBackAtOnce) {
  // Failover hides a dead target's failures from its own counters, so health
  // is checked on its own, without waiting for min_requests.
  auto sample = target.sample(clock.advance(250ms));
  sample.healthy = false;
  auto effect = machine.on_sample(sample);
  EXPECT_EQ(effect.what, kind::rollback);
  EXPECT_EQ(machine.state(), rollout_state::rolled_back);
  EXPECT_NE(machine.reason().find("health gate failed: green has no healthy endpoint"),
            std::string::npos)
      << machine.reason();
}

TEST_F(machine_test, PauseFreezesThePauseAndResumeContinuesIt) {
  EXPECT_TRUE(run(250ms, 10).empty());
  auto paused = machine.pause(clock.now, "ops");
  ASSERT_EQ(paused.status, 200);
  EXPECT_EQ(paused.effect.action, "rollout_pause");
  EXPECT_EQ(paused.effect.target_weight, 10U);
  EXPECT_EQ(machine.pause_left(clock.now), 750ms);
  EXPECT_TRUE(run(10s, 10).empty()) << "a paused rollout does not advance";
  EXPECT_EQ(machine.pause_left(clock.now), 750ms);
  EXPECT_EQ(machine.pause(clock.now, "ops").status, 409);
  auto resumed = machine.resume(clock.now, "ops");
  ASSERT_EQ(resumed.status, 200);
  EXPECT_EQ(resumed.effect.action, "rollout_resume");
  EXPECT_EQ(*machine.next_step_at(), clock.now + 750ms);
  EXPECT_TRUE(run(500ms, 10).empty());
  auto effects = run(250ms, 10);
  ASSERT_EQ(effects.size(), 1U);
  EXPECT_EQ(effects[0].effect.target_weight, 50U);
  EXPECT_EQ(machine.resume(clock.now, "ops").status, 409);
}

TEST_F(machine_test, FailingGateRollsBackEvenWhilePaused) {
  ASSERT_EQ(machine.pause(clock.now, "ops").status, 200);
  auto effects = run(1s, 10, 503);
  ASSERT_EQ(effects.size(), 1U);
  EXPECT_EQ(effects[0].effect.what, kind::rollback);
  EXPECT_EQ(machine.state(), rollout_state::rolled_back);
}

TEST_F(machine_test, PromoteJumpsToAllWeight) {
  auto promoted = machine.promote(clock.now, "ops");
  ASSERT_EQ(promoted.status, 200);
  EXPECT_EQ(promoted.effect.what, kind::set_weights);
  EXPECT_EQ(promoted.effect.target_weight, 100U);
  EXPECT_EQ(machine.state(), rollout_state::succeeded);
  EXPECT_EQ(machine.promote(clock.now, "ops").status, 409);
  EXPECT_EQ(machine.abort(clock.now, "ops").status, 409);
}

TEST_F(machine_test, AbortRevertsToFrom) {
  ASSERT_EQ(machine.pause(clock.now, "ops").status, 200);
  auto aborted = machine.abort(clock.now, "ops");
  ASSERT_EQ(aborted.status, 200);
  EXPECT_EQ(aborted.effect.what, kind::set_weights);
  EXPECT_EQ(aborted.effect.target_weight, 0U);
  EXPECT_EQ(machine.state(), rollout_state::aborted);
  EXPECT_NE(machine.reason().find("aborted by ops"), std::string::npos);
}

TEST_F(machine_test, SecondStartWhileActiveIsAConflictAndChangesNothing) {
  auto again = machine.start("blue", "green", three_steps(), clock.now, "ops");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.effect.what, kind::none);
  EXPECT_EQ(machine.step(), 0U);
  EXPECT_EQ(machine.next_step_at(), start + 1s);
  ASSERT_EQ(machine.pause(clock.now, "ops").status, 200);
  EXPECT_EQ(machine.start("blue", "green", three_steps(), clock.now, "ops").status, 409);
}

TEST_F(machine_test, OutsideChangeEndsTheRolloutAsAborted) {
  EXPECT_TRUE(machine.interrupt("rollback by ops", 0));
  EXPECT_EQ(machine.state(), rollout_state::aborted);
  EXPECT_EQ(machine.reason(), "rollback by ops");
  EXPECT_FALSE(machine.interrupt("again", 0));
  // A new rollout may start after a finished one.
  EXPECT_EQ(machine.start("blue", "green", three_steps(), clock.now, "ops").status, 200);
}

TEST(RolloutMachine, RestoreResumesTheStepWithThePauseLeft) {
  test::fake_clock clock;
  rollout_snapshot saved{rollout_state::progressing, "blue", "green", 1, 50, three_steps(),
                         "before the crash",         "ops"};
  rollout_machine machine;
  machine.restore(saved, clock.now, 400ms);
  EXPECT_EQ(machine.state(), rollout_state::progressing);
  EXPECT_EQ(machine.step(), 1U);
  EXPECT_EQ(machine.weight(), 50U);
  EXPECT_EQ(*machine.next_step_at(), clock.now + 400ms);
  EXPECT_EQ(machine.snapshot().reason, "before the crash");

  saved.state = rollout_state::paused;
  machine.restore(saved, clock.now, 700ms);
  EXPECT_FALSE(machine.next_step_at().has_value());
  EXPECT_EQ(machine.pause_left(clock.now + 5s), 700ms);
}

TEST(RolloutState, NamesRoundTrip) {
  for (auto state :
       {rollout_state::idle, rollout_state::progressing, rollout_state::paused,
        rollout_state::succeeded, rollout_state::rolled_back, rollout_state::aborted}) {
    EXPECT_EQ(state_from_string(to_string(state)), state);
  }
  EXPECT_FALSE(state_from_string("running").has_value());
}

}  // namespace
}  // namespace quikedge::rollout
