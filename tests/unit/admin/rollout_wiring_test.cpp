// The admin API reaches the rollout engine only through rollout_control,
// handed in by whoever wires the process: a fake stands in for it here.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "admin/admin_router.hpp"
#include "server/file_state_store.hpp"
#include "unit/server/two_stack_config.hpp"

namespace quikedge::admin {
namespace {

struct fake_rollouts final : rollout::rollout_control {
  rollout::rollout_state current = rollout::rollout_state::idle;
  std::vector<rollout::rollout_action> actions;
  std::vector<std::string> started;

  rollout::rollout_state state() const override { return current; }
  std::string status_json() const override {
    return R"({"state":")" + std::string(rollout::to_string(current)) + R"("})";
  }
  std::string gate_metrics() const override { return "fake_gate_metric 1\n"; }
  void begin(const rollout::start_request& request, const server::change_origin&,
             server::done_fn done) override {
    started.push_back(request.to);
    current = rollout::rollout_state::progressing;
    done({200, ""});
  }
  void act(rollout::rollout_action action, const server::change_origin&,
           server::done_fn done) override {
    actions.push_back(action);
    done({200, ""});
  }
};

class RolloutWiring : public ::testing::Test {
 protected:
  RolloutWiring()
      : control(io, std::make_shared<const config>(server::test::two_stacks()), store),
        view(control, rollouts),
        router({control, view, rollouts, io}) {}

  response call(http::verb method, const std::string& target, const std::string& body = "") {
    request req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:9901");  // tokenless: loopback names only
    if (!body.empty() || method != http::verb::get) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    response out;
    bool answered = false;
    router.dispatch(req, "127.0.0.1:1", [&](response res) {
      out = std::move(res);
      answered = true;
    });
    EXPECT_TRUE(answered) << target;
    return out;
  }

  boost::asio::io_context io;
  server::file_state_store store{""};
  server::control_plane control;
  fake_rollouts rollouts;
  server::state_view view;
  admin_router router;
};

TEST_F(RolloutWiring, StatusAndActionsGoToTheRolloutControl) {
  auto status = call(http::verb::get, "/api/v1/rollout");
  EXPECT_EQ(status.result(), http::status::ok);
  EXPECT_EQ(status.body(), "{\"state\":\"idle\"}\n");
  EXPECT_EQ(call(http::verb::post, "/api/v1/rollout", R"({"to":"green"})").result(),
            http::status::ok);
  EXPECT_EQ(rollouts.started, std::vector<std::string>{"green"});
  EXPECT_EQ(call(http::verb::post, "/api/v1/rollout/pause").result(), http::status::ok);
  EXPECT_EQ(call(http::verb::post, "/api/v1/rollout/promote").result(), http::status::ok);
  EXPECT_EQ(rollouts.actions,
            (std::vector<rollout::rollout_action>{rollout::rollout_action::pause,
                                                  rollout::rollout_action::promote}));
}

TEST_F(RolloutWiring, ManualWeightsWaitForAnActiveRolloutToEnd) {
  rollouts.current = rollout::rollout_state::paused;
  auto refused = call(http::verb::put, "/api/v1/weights", R"({"weights":{"blue":1,"green":1}})");
  EXPECT_EQ(refused.result(), http::status::conflict);
  EXPECT_NE(refused.body().find("a rollout is paused; promote or abort it"), std::string::npos);
  EXPECT_EQ(control.version(), 1U);

  rollouts.current = rollout::rollout_state::rolled_back;
  auto applied = call(http::verb::put, "/api/v1/weights", R"({"weights":{"blue":1,"green":1}})");
  EXPECT_EQ(applied.result(), http::status::ok);
  EXPECT_EQ(control.version(), 2U);
  EXPECT_NE(applied.body().find(R"("rollout":{"state":"rolled_back"})"), std::string::npos);
}

TEST_F(RolloutWiring, MetricsShowTheRolloutStateAndGates) {
  ASSERT_EQ(
      call(http::verb::put, "/api/v1/weights", R"({"weights":{"blue":1,"green":1}})").result(),
      http::status::ok);  // publishes the first table
  rollouts.current = rollout::rollout_state::paused;
  auto metrics = call(http::verb::get, "/metrics");
  EXPECT_NE(metrics.body().find("quikedge_rollout_state{environment=\"test\",state=\"paused\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body().find("fake_gate_metric 1\n"), std::string::npos);
}

}  // namespace
}  // namespace quikedge::admin
