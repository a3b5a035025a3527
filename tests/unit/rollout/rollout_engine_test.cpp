// The rollout engine against a fake traffic_control: its changes carry the
// rollout source, and only foreign changes end an active rollout.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <utility>

#include "rollout/rollout_engine.hpp"
#include "unit/server/two_stack_config.hpp"

namespace quikedge::rollout {
namespace {

struct fake_traffic final : traffic_control {
  config cfg = server::test::two_stacks(100, 0);
  server::weight_map live{{"blue", 100}, {"green", 0}};
  std::vector<std::pair<std::string, server::change_origin>> calls;
  server::change_result answer{200, ""};  ///< what set_weights answers

  const config& settings() const override { return cfg; }
  const server::weight_map& weights() const override { return live; }
  void set_weights(const server::weight_map& weights, std::optional<std::uint64_t>,
                   const server::change_origin& origin, const std::string& action,
                   server::done_fn done) override {
    calls.emplace_back(action, origin);
    if (answer.error.empty()) {
      live = weights;
    }
    done(answer);
  }
  void rollback(const std::optional<std::string>& to, const server::change_origin& origin,
                server::done_fn done) override {
    live = {{"blue", 100}, {"green", 0}};
    calls.emplace_back("rollback to " + to.value_or("?"), origin);
    done({200, ""});
  }
  counter_sample sample_stack(const std::string&, steady_time now) const override {
    counter_sample sample;
    sample.at = now;
    sample.healthy = true;
    return sample;
  }
};

/// Keeps the last rollout saved, in memory.
struct memory_persistence final : rollout_persistence {
  std::optional<stored_rollout> saved;
  void save(const stored_rollout& stored) override { saved = stored; }
  std::optional<stored_rollout> load(std::string&) override { return saved; }
  std::string describe() const override { return "memory"; }
};

start_request to_green() {
  start_request request;
  request.to = "green";
  request.plan.steps = {{10, std::chrono::minutes(5)}, {100, duration{0}}};
  return request;
}

server::change_record foreign(const std::string& action, const std::string& before,
                              const std::string& after) {
  return {{"ops", "127.0.0.1:1", "by hand"}, action, before, after};
}

TEST(RolloutEngine, FirstStepIsAChangeFromTheRolloutSource) {
  boost::asio::io_context io;
  fake_traffic traffic;
  memory_persistence saved;
  rollout_engine engine(io, traffic, saved, nullptr);
  server::change_result answer{0, "unset"};
  engine.begin(to_green(), {"ops", "127.0.0.1:1", ""},
               [&](server::change_result r) { answer = r; });
  EXPECT_EQ(answer.error, "");
  ASSERT_EQ(traffic.calls.size(), 1U);
  EXPECT_EQ(traffic.calls[0].first, "rollout_start");
  EXPECT_EQ(traffic.calls[0].second.source, server::change_source::rollout);
  EXPECT_EQ(traffic.calls[0].second.actor, "ops");
  EXPECT_EQ(traffic.live, (server::weight_map{{"blue", 90}, {"green", 10}}));
  EXPECT_EQ(engine.state(), rollout_state::progressing);
}

/// A fleet's leadership held by this replica, fenced on a key of revision 42.
struct held_leadership final : rollout_leadership {
  std::string id = "replica-a";
  bool leading() const override { return true; }
  std::optional<replica_ref> leader() const override { return replica_ref{id, "127.0.0.1:1"}; }
  const std::string& self_id() const override { return id; }
  std::optional<server::commit_fence> fence() const override {
    return server::commit_fence{"/q/rollout/leader", 42};
  }
};

/// An engine that has begun a rollout to green, its traffic answering `answer`.
struct begun_rollout {
  begun_rollout(boost::asio::io_context& io, const rollout_leadership* leadership,
                server::change_result answer = {200, ""})
      : engine(io, traffic, saved, leadership) {
    traffic.answer = std::move(answer);
    engine.begin(to_green(), {"ops", "local", ""}, [](server::change_result) {});
  }
  fake_traffic traffic;
  memory_persistence saved;
  rollout_engine engine;
};

TEST(RolloutEngine, ALeadersChangesAreFencedOnItsLeaderKeyAndAProcessAlonesAreNot) {
  boost::asio::io_context io;
  held_leadership leadership;
  begun_rollout leader(io, &leadership);
  ASSERT_EQ(leader.traffic.calls.size(), 1U);
  const auto& fence = leader.traffic.calls[0].second.fence;
  ASSERT_TRUE(fence);
  EXPECT_EQ(fence->key, "/q/rollout/leader");
  EXPECT_EQ(fence->create_revision, 42);

  begun_rollout alone(io, nullptr);
  ASSERT_EQ(alone.traffic.calls.size(), 1U);
  EXPECT_FALSE(alone.traffic.calls[0].second.fence);
}

TEST(RolloutEngine, AChangeFencedOutLeavesTheRolloutToTheSuccessorWhereARefusalFailsIt) {
  boost::asio::io_context io;
  held_leadership leadership;
  begun_rollout deposed(io, &leadership, {409, "this replica no longer leads the rollout", true});
  EXPECT_EQ(deposed.engine.state(), rollout_state::progressing);  // not this replica's to end

  begun_rollout refused(io, &leadership, {400, "refused"});
  EXPECT_EQ(refused.engine.state(), rollout_state::aborted);
}

TEST(RolloutEngine, ItsOwnCommitsDoNotEndIt) {
  boost::asio::io_context io;
  fake_traffic traffic;
  memory_persistence saved;
  rollout_engine engine(io, traffic, saved, nullptr);
  engine.begin(to_green(), {"ops", "local", ""}, [](server::change_result) {});
  server::live_state state;
  state.weights = traffic.live;
  auto own = foreign("rollout_start", R"({"blue":100,"green":0})", R"({"blue":90,"green":10})");
  own.origin.source = server::change_source::rollout;
  engine.on_state_committed(state, own);
  EXPECT_EQ(engine.state(), rollout_state::progressing);
}

TEST(RolloutEngine, AForeignWeightChangeAbortsIt) {
  boost::asio::io_context io;
  fake_traffic traffic;
  memory_persistence saved;
  rollout_engine engine(io, traffic, saved, nullptr);
  engine.begin(to_green(), {"ops", "local", ""}, [](server::change_result) {});
  server::live_state state;
  state.weights = {{"blue", 50}, {"green", 50}};
  // A change that kept the weights (a reload, say) leaves the rollout alone.
  engine.on_state_committed(state, foreign("reload", R"({"a":1})", R"({"a":1})"));
  EXPECT_EQ(engine.state(), rollout_state::progressing);
  engine.on_state_committed(state, foreign("set_weights", R"({"a":1})", R"({"a":2})"));
  EXPECT_EQ(engine.state(), rollout_state::aborted);
  EXPECT_EQ(engine.machine().weight(), 50U);
  EXPECT_NE(engine.machine().reason().find("aborted: set_weights by ops (by hand)"),
            std::string::npos);
}

TEST(RolloutEngine, ActionsAreTyped) {
  boost::asio::io_context io;
  fake_traffic traffic;
  memory_persistence saved;
  rollout_engine engine(io, traffic, saved, nullptr);
  server::change_result answer;
  engine.act(rollout_action::pause, {"ops", "local", ""},
             [&](server::change_result r) { answer = r; });
  EXPECT_EQ(answer.status, 409);  // nothing to pause
  engine.begin(to_green(), {"ops", "local", ""}, [](server::change_result) {});
  engine.act(rollout_action::pause, {"ops", "local", ""},
             [&](server::change_result r) { answer = r; });
  EXPECT_EQ(answer.error, "");
  EXPECT_EQ(engine.state(), rollout_state::paused);
  engine.act(rollout_action::abort, {"ops", "local", ""},
             [&](server::change_result r) { answer = r; });
  EXPECT_EQ(engine.state(), rollout_state::aborted);
  EXPECT_EQ(traffic.calls.back().second.source, server::change_source::rollout);
  EXPECT_EQ(action_from_string("promote"), rollout_action::promote);
  EXPECT_EQ(action_from_string("Promote"), std::nullopt);
}

}  // namespace
}  // namespace quikedge::rollout
