// Rollout endpoints: pause/resume/promote/abort, the 409s (a second
// rollout, a manual weight PUT), rollback aborting a rollout, strict start
// bodies, the state metric, and a rollout resumed after SIGKILL and restart.
#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <sstream>

#include "rollout_fixture.hpp"

namespace quikedge::test {
namespace {

/// Long pauses: nothing advances on its own while a test acts.
std::string slow_rollout(const std::string& state_file = "") {
  std::string yaml =
      "rollout:\n"
      "  steps: [ { weight: 10, pause: 30s }, { weight: 50, pause: 30s }, { weight: 100 } ]\n"
      "  gates: { window: 2s, min_requests: 20, max_error_rate: 0.001, max_p99_latency: 1s }\n";
  if (!state_file.empty()) {
    yaml += "  state_file: " + state_file + "\n";
  }
  return yaml;
}

class rollout_control : public rollout_fixture {
 protected:
  void SetUp() override { ASSERT_TRUE(start_with(slow_rollout())); }

  void start_rollout() {
    auto started = post("/api/v1/rollout", R"({"to":"green"})");
    ASSERT_EQ(started.status, 200) << started.body;
    ASSERT_EQ(field(rollout(), "state"), "progressing");
  }
};

TEST_F(rollout_control, idle_before_any_rollout) {
  auto doc = rollout();
  EXPECT_EQ(field(doc, "state"), "idle");
  EXPECT_EQ(field(proxy.state().at("rollout"), "state"), "idle");
  EXPECT_EQ(post("/api/v1/rollout/pause").status, 409);
}

TEST_F(rollout_control, pause_resume_then_promote) {
  start_rollout();
  EXPECT_EQ(live_weights(), "blue=90 green=10");
  auto version_before = version();
  auto paused = post("/api/v1/rollout/pause");
  ASSERT_EQ(paused.status, 200) << paused.body;
  auto doc = rollout();
  EXPECT_EQ(field(doc, "state"), "paused");
  EXPECT_EQ(field(doc, "next_step_at"), "null");
  EXPECT_GT(doc.at("pause_left_seconds").to_number<double>(), 20.0);
  EXPECT_EQ(post("/api/v1/rollout/pause").status, 409);
  EXPECT_EQ(version(), version_before + 1) << "a pause is a versioned transition";
  EXPECT_EQ(proxy.metric("quikedge_rollout_state", {{"state", "paused"}}), 1);

  auto resumed = post("/api/v1/rollout/resume");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(field(rollout(), "state"), "progressing");
  EXPECT_NE(field(rollout(), "next_step_at"), "null");
  EXPECT_EQ(post("/api/v1/rollout/resume").status, 409);

  auto promoted = post("/api/v1/rollout/promote");
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(field(rollout(), "state"), "succeeded");
  EXPECT_EQ(live_weights(), "blue=0 green=100");
  EXPECT_EQ(version(), version_before + 3);
  EXPECT_EQ(proxy.metric("quikedge_rollout_state", {{"state", "succeeded"}}), 1);
  EXPECT_EQ(proxy.metric("quikedge_rollout_state", {{"state", "progressing"}}), 0);
}

TEST_F(rollout_control, abort_reverts_to_from) {
  start_rollout();
  auto aborted = post("/api/v1/rollout/abort", R"({"reason":"bad canary"})");
  ASSERT_EQ(aborted.status, 200) << aborted.body;
  auto doc = rollout();
  EXPECT_EQ(field(doc, "state"), "aborted");
  EXPECT_EQ(field(doc, "weight"), "0");
  EXPECT_EQ(live_weights(), "blue=100 green=0");
  EXPECT_EQ(post("/api/v1/rollout/abort").status, 409);
  // A finished rollout leaves the weights to the operator again.
  EXPECT_EQ(proxy.set_weights({{"blue", 80}, {"green", 20}}).status, 200);
}

TEST_F(rollout_control, second_rollout_and_manual_weights_are_409_while_active) {
  start_rollout();
  auto again = post("/api/v1/rollout", R"({"to":"green"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body.find("already progressing"), std::string::npos) << again.body;
  auto manual = proxy.set_weights({{"blue", 50}, {"green", 50}});
  EXPECT_EQ(manual.status, 409) << manual.body;
  ASSERT_EQ(post("/api/v1/rollout/pause").status, 200);
  EXPECT_EQ(post("/api/v1/rollout", R"({"to":"green"})").status, 409);
  EXPECT_EQ(proxy.set_weights({{"blue", 50}, {"green", 50}}).status, 409);
  EXPECT_EQ(live_weights(), "blue=90 green=10");
}

TEST_F(rollout_control, rollback_aborts_the_rollout) {
  start_rollout();
  auto rolled = post("/api/v1/rollback", R"({"reason":"pager"})");
  ASSERT_EQ(rolled.status, 200) << rolled.body;
  EXPECT_EQ(live_weights(), "blue=100 green=0");
  auto doc = rollout();
  EXPECT_EQ(field(doc, "state"), "aborted");
  EXPECT_NE(field(doc, "reason").find("rollback"), std::string::npos) << field(doc, "reason");
  EXPECT_EQ(field(proxy.state().at("rollout"), "state"), "aborted");
}

TEST_F(rollout_control, bad_start_bodies_are_400_and_change_nothing) {
  const auto before = version();
  for (const char* body :
       {R"({"to":"purple"})", R"({"to":"green","steps":[{"weight":10}]})",
        R"({"to":"green","gates":{"window":"soon"}})", R"({"to":"green","extra":1})", "{"}) {
    auto answer = post("/api/v1/rollout", body);
    EXPECT_EQ(answer.status, 400) << body << " -> " << answer.body;
    EXPECT_NE(answer.body.find("\"error\""), std::string::npos) << answer.body;
  }
  EXPECT_EQ(post("/api/v1/rollout", R"({"to":"blue"})").status, 409)
      << "blue already holds all the weight";
  EXPECT_EQ(version(), before);
  EXPECT_EQ(field(rollout(), "state"), "idle");
}

class rollout_restart : public rollout_fixture {
 protected:
  /// SIGKILL (no chance to save anything), then the same config again.
  testing::AssertionResult kill_and_restart() {
    std::ifstream file(proxy.config_path());
    std::stringstream yaml;
    yaml << file.rdbuf();
    if (::kill(proxy.process().pid(), SIGKILL) != 0 ||
        !proxy.process().wait_exit(deadline_in(10s))) {
      return testing::AssertionFailure() << "the proxy did not die";
    }
    return proxy.start(yaml.str());
  }
};

TEST_F(rollout_restart, sigkill_mid_rollout_then_restart_resumes_the_step) {
  const std::string state_file = (proxy.directory() / "rollout.json").string();
  ASSERT_TRUE(start_with(slow_rollout(state_file)));
  ASSERT_EQ(post("/api/v1/rollout", R"({"to":"green"})").status, 200);
  const double left_before = rollout().at("pause_left_seconds").to_number<double>();

  ASSERT_TRUE(kill_and_restart());
  auto doc = rollout();
  EXPECT_EQ(field(doc, "state"), "progressing") << boost::json::serialize(doc);
  EXPECT_EQ(field(doc, "step"), "0");
  EXPECT_EQ(field(doc, "weight"), "10");
  EXPECT_NE(field(doc, "reason").find("resumed after a restart"), std::string::npos);
  const double left = doc.at("pause_left_seconds").to_number<double>();
  EXPECT_LE(left, left_before) << "the pause goes on, it does not start over";
  EXPECT_GT(left, 10.0);
  EXPECT_EQ(live_weights(), "blue=90 green=10") << "the step's weights replace the config's";
  EXPECT_EQ(proxy.set_weights({{"blue", 50}, {"green", 50}}).status, 409);

  // A paused rollout comes back paused, with its remaining pause frozen.
  ASSERT_EQ(post("/api/v1/rollout/pause").status, 200);
  const double frozen = rollout().at("pause_left_seconds").to_number<double>();
  ASSERT_TRUE(kill_and_restart());
  doc = rollout();
  EXPECT_EQ(field(doc, "state"), "paused") << boost::json::serialize(doc);
  EXPECT_NEAR(doc.at("pause_left_seconds").to_number<double>(), frozen, 0.01);
  EXPECT_EQ(live_weights(), "blue=90 green=10");

  ASSERT_EQ(post("/api/v1/rollout/promote").status, 200);
  std::ifstream saved(state_file);
  std::stringstream text;
  text << saved.rdbuf();
  EXPECT_NE(text.str().find(R"("state":"succeeded")"), std::string::npos) << text.str();
}

}  // namespace
}  // namespace quikedge::test
