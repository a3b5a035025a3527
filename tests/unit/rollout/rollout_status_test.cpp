// GET /api/v1/rollout's document and the gate gauges, from a machine driven
// by a fake clock.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fake_target.hpp"
#include "rollout/rollout_status.hpp"

namespace quikedge::rollout {
namespace {

using namespace std::chrono_literals;

TEST(RolloutStatus, IdleHasTheSpecFieldsEmpty) {
  rollout_machine machine;
  auto doc = boost::json::parse(render_status(machine, {}));
  EXPECT_EQ(doc.at("state"), "idle");
  for (const char* key : {"from", "to", "step", "weight", "next_step_at", "last_gate"}) {
    EXPECT_TRUE(doc.at(key).is_null()) << key;
  }
}

TEST(RolloutStatus, ProgressingShowsStepDeadlineAndGate) {
  test::fake_clock clock;
  test::fake_target target;
  rollout_plan plan;
  plan.steps = {{10, 30s}, {100, 0ms}};
  plan.gates.window = 2s;
  plan.gates.min_requests = 5;
  rollout_machine machine;
  ASSERT_EQ(machine.start("blue", "green", plan, clock.now, "ops").status, 200);
  machine.on_sample(target.sample(clock.now));
  target.serve(10);
  machine.on_sample(target.sample(clock.advance(1s)));

  // Wall clock 2030-01-01T00:00:00Z at the fake steady "now".
  const auto wall = std::chrono::system_clock::time_point(std::chrono::seconds(1893456000));
  auto doc = boost::json::parse(render_status(machine, {clock.now, wall})).as_object();
  EXPECT_EQ(doc.at("state"), "progressing");
  EXPECT_EQ(doc.at("from"), "blue");
  EXPECT_EQ(doc.at("to"), "green");
  EXPECT_EQ(doc.at("step").to_number<int>(), 0);
  EXPECT_EQ(doc.at("weight").to_number<int>(), 10);
  EXPECT_EQ(doc.at("next_step_at"), "2030-01-01T00:00:29.000Z");
  EXPECT_DOUBLE_EQ(doc.at("pause_left_seconds").to_number<double>(), 29.0);
  const auto& gate = doc.at("last_gate").as_object();
  EXPECT_EQ(gate.at("requests").to_number<int>(), 10);
  EXPECT_TRUE(gate.at("passed").as_bool());
  EXPECT_EQ(gate.at("checked_at"), "2030-01-01T00:00:00.000Z");
  EXPECT_EQ(doc.at("steps").as_array().size(), 2U);
  EXPECT_EQ(doc.at("gates").at("window"), "2s");

  const std::string text = render_gate_metrics(machine, "live");
  EXPECT_NE(text.find("quikedge_rollout_gate_requests{environment=\"live\",to=\"green\"} 10\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("quikedge_rollout_gate_passed{environment=\"live\",to=\"green\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE quikedge_rollout_weight gauge\n"), std::string::npos);
}

}  // namespace
}  // namespace quikedge::rollout
