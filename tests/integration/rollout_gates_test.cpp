// End to end: a rollout driven by the proxy's own numbers on real
// traffic. Healthy target → succeeded through every step; 2% 5xx → rolled back
// on the error gate; slow answers → rolled back on p99; too little traffic →
// the step waits. Pauses of about a second, a 2 s window, small min_requests.
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include "rollout_fixture.hpp"

namespace quikedge::test {
namespace {

/// Steps 10% → 50% → 100% with 1 s pauses; the p99 limit is loose so that a
/// loaded machine does not fail a healthy target.
constexpr const char* healthy_rollout =
    "rollout:\n"
    "  steps: [ { weight: 10, pause: 1s }, { weight: 50, pause: 1s }, { weight: 100 } ]\n"
    "  gates: { window: 2s, min_requests: 20, max_error_rate: 0.001, max_p99_latency: 2s }\n";

/// Faults begin with the rollout; half the traffic reaches the target at once
/// so that a 2% error rate shows within the window. Only the gate under test
/// is tight, so a loaded machine cannot fail the other one first.
std::string fault_start(const std::string& max_p99) {
  return R"({"to":"green","steps":[{"weight":50,"pause":"30s"},{"weight":100}],)"
         R"("gates":{"window":"2s","min_requests":20,"max_error_rate":0.001,"max_p99_latency":")" +
         max_p99 + R"("}})";
}

class rollout_gates : public rollout_fixture {};

TEST_F(rollout_gates, healthy_target_succeeds_through_every_step) {
  ASSERT_TRUE(start_with(healthy_rollout));
  const auto version_before = version();
  load_generator load(port(), healthy_path);
  auto started = post("/api/v1/rollout", R"({"to":"green"})");
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(live_weights(), "blue=90 green=10");

  std::set<std::string> seen_steps;  // "step:weight" as observed while polling
  boost::json::value doc;
  ASSERT_TRUE(eventually(
      [&] {
        doc = rollout();
        if (field(doc, "state") == "progressing") {
          seen_steps.insert(field(doc, "step") + ":" + field(doc, "weight"));
        }
        return field(doc, "state") != "progressing";
      },
      60s, "rollout end"));
  EXPECT_EQ(field(doc, "state"), "succeeded") << boost::json::serialize(doc);
  EXPECT_TRUE(seen_steps.count("0:10") == 1 && seen_steps.count("1:50") == 1)
      << testing::PrintToString(seen_steps);
  EXPECT_EQ(live_weights(), "blue=0 green=100");
  EXPECT_TRUE(doc.at("last_gate").at("passed").as_bool());
  // start, 50%, 100% and succeeded: each a versioned change.
  EXPECT_GE(version(), version_before + 4);
}

TEST_F(rollout_gates, two_percent_errors_roll_back_on_the_error_gate_within_a_window) {
  ASSERT_TRUE(start_with(""));
  load_generator load(port(), [](std::mt19937& random) {
    return random() % 50 == 0 ? std::string("/status/500") : std::string("/");
  });
  const auto began = std::chrono::steady_clock::now();
  auto started = post("/api/v1/rollout", fault_start("10s"));
  ASSERT_EQ(started.status, 200) << started.body;
  boost::json::value doc;
  ASSERT_TRUE(wait_state({"rolled_back", "succeeded", "aborted"}, 30s, doc));
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(field(doc, "state"), "rolled_back") << boost::json::serialize(doc);
  EXPECT_NE(field(doc, "reason").find("error rate gate failed"), std::string::npos)
      << field(doc, "reason");
  EXPECT_EQ(live_weights(), "blue=100 green=0");
  const auto& gate = doc.at("last_gate");
  EXPECT_FALSE(gate.at("error_rate_passed").as_bool());
  EXPECT_GT(gate.at("error_rate").to_number<double>(), 0.001);
  EXPECT_LE(gate.at("window_seconds").to_number<double>(), 2.0);
  // Generous for a loaded machine; bench/rollback_time.sh measures it properly.
  EXPECT_LT(took, 10s);
}

TEST_F(rollout_gates, slow_target_rolls_back_on_p99) {
  ASSERT_TRUE(start_with(""));
  load_generator load(port(), [](std::mt19937& random) {
    return random() % 10 == 0 ? std::string("/delay/400") : std::string("/");
  });
  auto started = post("/api/v1/rollout", fault_start("200ms"));
  ASSERT_EQ(started.status, 200) << started.body;
  boost::json::value doc;
  ASSERT_TRUE(wait_state({"rolled_back", "succeeded", "aborted"}, 30s, doc));
  EXPECT_EQ(field(doc, "state"), "rolled_back") << boost::json::serialize(doc);
  EXPECT_NE(field(doc, "reason").find("p99 latency gate failed"), std::string::npos)
      << field(doc, "reason");
  EXPECT_GT(doc.at("last_gate").at("p99_seconds").to_number<double>(), 0.2);
  EXPECT_EQ(live_weights(), "blue=100 green=0");
}

TEST_F(rollout_gates, too_little_traffic_waits_instead_of_advancing) {
  ASSERT_TRUE(start_with(
      "rollout:\n"
      "  steps: [ { weight: 10, pause: 500ms }, { weight: 100 } ]\n"
      "  gates: { window: 2s, min_requests: 1000, max_error_rate: 0.001, max_p99_latency: 1s }\n"));
  auto started = post("/api/v1/rollout", R"({"to":"green"})");
  ASSERT_EQ(started.status, 200) << started.body;
  split(20, true);  // a trickle, far below min_requests
  boost::json::value doc;
  ASSERT_TRUE(eventually(
      [&] {
        doc = rollout();
        return field(doc, "reason").find("waiting for traffic") != std::string::npos;
      },
      20s, "a waiting reason"));
  EXPECT_EQ(field(doc, "state"), "progressing");
  EXPECT_EQ(field(doc, "step"), "0");
  EXPECT_EQ(field(doc, "weight"), "10");
  EXPECT_FALSE(doc.at("last_gate").at("enough_requests").as_bool());
  EXPECT_EQ(live_weights(), "blue=90 green=10");
}

TEST_F(rollout_gates, target_failing_its_health_checks_rolls_back) {
  // Without health checks a dead target would only go quiet: the proxy fails
  // its requests over to blue and the step waits for traffic.
  const auto health_file = proxy.directory() / "green-healthy";
  std::ofstream(health_file).put('\n');
  blue_ = std::make_unique<upstream_process>("blue");
  green_ = std::make_unique<upstream_process>(
      "green", std::vector<std::string>{"--health-file", health_file.string()});
  ASSERT_TRUE(blue().start());
  ASSERT_TRUE(green().start());
  proxy_config config;
  config.stacks = {{"blue", {blue().address()}, 100}, {"green", {green().address()}, 0}};
  std::string yaml = render_config(config);
  const std::string green_stack = "    endpoints: [\"" + green().address() + "\"]\n";
  yaml.insert(yaml.find(green_stack) + green_stack.size(),
              "    health_check: { path: /health, interval: 100ms, timeout: 500ms, "
              "healthy_threshold: 1, unhealthy_threshold: 1 }\n");
  ASSERT_TRUE(proxy.start(yaml));
  auto started = post("/api/v1/rollout", fault_start("10s"));
  ASSERT_EQ(started.status, 200) << started.body;

  std::filesystem::remove(health_file);
  boost::json::value doc;
  ASSERT_TRUE(wait_state({"rolled_back", "succeeded", "aborted"}, 20s, doc));
  EXPECT_EQ(field(doc, "state"), "rolled_back") << boost::json::serialize(doc);
  EXPECT_NE(field(doc, "reason").find("health gate failed"), std::string::npos)
      << field(doc, "reason");
  EXPECT_EQ(live_weights(), "blue=100 green=0");
}

TEST_F(rollout_gates, quikctl_starts_and_watches_a_rollout_to_the_end) {
  ASSERT_TRUE(start_with(healthy_rollout));
  load_generator load(port(), healthy_path);
  auto result = run_command({bin_path("quikctl"), "--admin", proxy.admin_url(), "rollout", "start",
                             "--to", "green", "--steps", "20:500ms,100", "--gate-window", "2s",
                             "--min-requests", "10", "--watch", "--timeout", "60s"},
                            90s);
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("succeeded, step 2/2 at 100%"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("error rate"), std::string::npos) << result.out;
  EXPECT_EQ(live_weights(), "blue=0 green=100");
}

}  // namespace
}  // namespace quikedge::test
