// POST /api/v1/rollout bodies: defaults from the config, overrides, and strict
// refusals (400 with a message naming the field).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "rollout/rollout_plan.hpp"

namespace quikedge::rollout {
namespace {

using namespace std::chrono_literals;

rollout_plan defaults() {
  rollout_config config;  // 10% 5m, 50% 10m, 100%; 60s window, 200 requests
  return plan_from_config(config);
}

TEST(StartRequest, TakesTheConfigDefaults) {
  start_request request;
  ASSERT_FALSE(parse_start_request(R"({"to":"green"})", defaults(), request));
  EXPECT_EQ(request.to, "green");
  ASSERT_EQ(request.plan.steps.size(), 3U);
  EXPECT_EQ(request.plan.steps[0].weight, 10U);
  EXPECT_EQ(request.plan.steps[1].pause, 10min);
  EXPECT_EQ(request.plan.gates.window, 60s);
}

TEST(StartRequest, OverridesStepsAndSingleGateFields) {
  start_request request;
  auto error = parse_start_request(
      R"({"to":"green","reason":"v2","steps":[{"weight":10,"pause":"1s"},{"weight":50,"pause":"1500ms"},{"weight":100}],
          "gates":{"window":"2s","min_requests":20,"max_error_rate":0}})",
      defaults(), request);
  ASSERT_FALSE(error) << *error;
  EXPECT_EQ(request.reason, "v2");
  ASSERT_EQ(request.plan.steps.size(), 3U);
  EXPECT_EQ(request.plan.steps[0].pause, 1s);
  EXPECT_EQ(request.plan.steps[1].pause, 1500ms);
  EXPECT_EQ(request.plan.steps[2].pause, 0ms);
  EXPECT_EQ(request.plan.gates.window, 2s);
  EXPECT_EQ(request.plan.gates.min_requests, 20U);
  EXPECT_EQ(request.plan.gates.max_error_rate, 0.0);
  EXPECT_EQ(request.plan.gates.max_p99_latency, 500ms) << "unnamed gate fields keep the config's";
}

struct refused {
  const char* name;
  const char* body;
  const char* message;  ///< part of the expected error
};

class refused_start : public testing::TestWithParam<refused> {};

TEST_P(refused_start, IsAnErrorNamingTheProblem) {
  start_request request;
  auto error = parse_start_request(GetParam().body, defaults(), request);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(GetParam().message), std::string::npos) << *error;
}

INSTANTIATE_TEST_SUITE_P(
    rollout_plan, refused_start,
    testing::Values(
        refused{"not_json", R"({"to":)", "not valid JSON"},
        refused{"not_object", R"(["green"])", "must be a JSON object"},
        refused{"no_to", R"({})", "\"to\" is required"},
        refused{"to_not_string", R"({"to":3})", "\"to\" must be a string"},
        refused{"unknown_key", R"({"to":"green","gate":{}})", "unknown field \"gate\""},
        refused{"steps_not_array", R"({"to":"green","steps":"10,100"})", "steps: must be an array"},
        refused{"steps_empty", R"({"to":"green","steps":[]})", "at least one step"},
        refused{"weight_missing", R"({"to":"green","steps":[{"pause":"1s"}]})",
                "steps[0].weight: is required"},
        refused{"weight_zero", R"({"to":"green","steps":[{"weight":0},{"weight":100}]})",
                "steps[0].weight: must be an integer between 1 and 100"},
        refused{"weight_fraction", R"({"to":"green","steps":[{"weight":10.5},{"weight":100}]})",
                "steps[0].weight"},
        refused{"weight_over", R"({"to":"green","steps":[{"weight":150}]})", "steps[0].weight"},
        refused{"not_increasing",
                R"({"to":"green","steps":[{"weight":50},{"weight":10},{"weight":100}]})",
                "steps[1].weight: step weights must increase"},
        refused{"last_below_100", R"({"to":"green","steps":[{"weight":10},{"weight":50}]})",
                "the last step must reach 100"},
        refused{"bad_pause", R"({"to":"green","steps":[{"weight":100,"pause":"1 s"}]})",
                "steps[0].pause: \"1 s\" is not a duration"},
        refused{"numeric_pause", R"({"to":"green","steps":[{"weight":100,"pause":1000}]})",
                "steps[0].pause: must be a duration string"},
        refused{"step_unknown_key", R"({"to":"green","steps":[{"weight":100,"wait":"1s"}]})",
                "steps[0]: unknown field \"wait\""},
        refused{"gates_not_object", R"({"to":"green","gates":[]})", "gates: must be an object"},
        refused{"gate_unknown", R"({"to":"green","gates":{"max_errors":1}})",
                "gates: unknown field \"max_errors\""},
        refused{"window_zero", R"({"to":"green","gates":{"window":"0"}})",
                "gates.window: must be positive"},
        refused{"min_negative", R"({"to":"green","gates":{"min_requests":-1}})",
                "gates.min_requests: must be a non-negative integer"},
        refused{"rate_over_one", R"({"to":"green","gates":{"max_error_rate":1.5}})",
                "gates.max_error_rate: must be between 0 and 1"},
        refused{"rate_string", R"({"to":"green","gates":{"max_error_rate":"0.1%"}})",
                "gates.max_error_rate: must be a number"},
        refused{"p99_bad", R"({"to":"green","gates":{"max_p99_latency":"fast"}})",
                "gates.max_p99_latency"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PlanJson, RoundTripsThroughTheOverrideReader) {
  start_request request;
  ASSERT_FALSE(parse_start_request(
      R"({"to":"g","steps":[{"weight":5,"pause":"90s"},{"weight":100,"pause":"1h"}],"gates":{"window":"250ms","max_error_rate":0.02}})",
      defaults(), request));
  rollout_plan copy = defaults();
  ASSERT_FALSE(read_plan_overrides(plan_to_json(request.plan), copy));
  ASSERT_EQ(copy.steps.size(), 2U);
  EXPECT_EQ(copy.steps[0].pause, 90s);
  EXPECT_EQ(copy.steps[1].pause, 1h);
  EXPECT_EQ(copy.gates.window, 250ms);
  EXPECT_EQ(copy.gates.max_error_rate, 0.02);
  EXPECT_EQ(copy.gates.min_requests, 200U);
}

TEST(FormatDuration, UsesTheLargestExactUnit) {
  EXPECT_EQ(format_duration(0ms), "0");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(2s), "2s");
  EXPECT_EQ(format_duration(5min), "5m");
  EXPECT_EQ(format_duration(2h), "2h");
}

}  // namespace
}  // namespace quikedge::rollout
