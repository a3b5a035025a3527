// The reload diff: listeners fixed, the last change wins, no all-zero result.
#include <gtest/gtest.h>

#include "server/reload_plan.hpp"
#include "unit/server/two_stack_config.hpp"

namespace quikedge::server {
namespace {

const weight_map file_90_10{{"blue", 90}, {"green", 10}};

TEST(ReloadPlan, UnchangedFileKeepsWeightsSetThroughTheApi) {
  const auto running = test::two_stacks(90, 10);
  const auto fresh = test::two_stacks(90, 10);
  auto plan = plan_reload(running, fresh, {{"blue", 0}, {"green", 100}}, file_90_10);
  EXPECT_EQ(plan.error, "");
  EXPECT_EQ(plan.weights, (weight_map{{"blue", 0}, {"green", 100}}));
  EXPECT_EQ(plan.file_weights, file_90_10);
}

TEST(ReloadPlan, ChangedFileWeightsAreTheLastChange) {
  const auto running = test::two_stacks(90, 10);
  const auto fresh = test::two_stacks(50, 50);
  auto plan = plan_reload(running, fresh, {{"blue", 0}, {"green", 100}}, file_90_10);
  EXPECT_EQ(plan.error, "");
  EXPECT_EQ(plan.weights, (weight_map{{"blue", 50}, {"green", 50}}));
  EXPECT_EQ(plan.file_weights, (weight_map{{"blue", 50}, {"green", 50}}));
}

TEST(ReloadPlan, LiveWeightsFollowTheNewStacks) {
  const auto running = test::two_stacks(90, 10);
  auto fresh = test::two_stacks(90, 10);
  stack_config red;
  red.name = "red";
  red.endpoints = {{"127.0.0.1", 3}};
  fresh.stacks.push_back(red);
  // The file's weights are those last read, so the live ones stay; a stack the
  // live weights do not name gets 0.
  auto plan = plan_reload(running, fresh, {{"blue", 30}, {"green", 70}},
                          {{"blue", 90}, {"green", 10}, {"red", 0}});
  EXPECT_EQ(plan.error, "");
  EXPECT_EQ(plan.weights, (weight_map{{"blue", 30}, {"green", 70}, {"red", 0}}));
}

TEST(ReloadPlan, ListenersCannotChange) {
  const auto running = test::two_stacks();
  auto moved = test::two_stacks();
  moved.listeners[0].bind.port = 8081;
  EXPECT_EQ(plan_reload(running, moved, file_90_10, file_90_10).error,
            "listeners cannot change on reload; restart the proxy");
  auto added = test::two_stacks();
  added.listeners.push_back({"other", {"127.0.0.1", 9}, std::nullopt});
  EXPECT_EQ(plan_reload(running, added, file_90_10, file_90_10).error,
            "listeners cannot change on reload; restart the proxy");
}

TEST(ReloadPlan, IoBackendCannotChange) {
  const auto running = test::two_stacks(90, 10);
  auto fresh = test::two_stacks(90, 10);
  fresh.backend = io_backend::epoll;
  auto plan = plan_reload(running, fresh, file_90_10, file_90_10);
  EXPECT_NE(plan.error.find("io_backend cannot change on reload"), std::string::npos);
}

TEST(ReloadPlan, WhatStartUpBoundOrOpenedCannotChange) {
  // The admin port keeps its socket: moving it to loopback in the file (where
  // tokens are optional) and dropping the tokens must not open a public port.
  const auto running = test::two_stacks(90, 10);
  auto admin = test::two_stacks(90, 10);
  admin.admin.bind = {"0.0.0.0", 9901};
  auto audit = test::two_stacks(90, 10);
  audit.admin.audit_log = "/tmp/elsewhere.log";
  auto workers = test::two_stacks(90, 10);
  workers.workers = running.workers + 3;
  auto state = test::two_stacks(90, 10);
  state.state.backend = state_backend::etcd;
  auto prefix = test::two_stacks(90, 10);
  prefix.state.etcd.prefix = "/other";
  // The TLS files and the credentials of etcd are opened at start: a reload
  // that names others says so rather than keep the old ones quietly.
  auto etcd_tls = test::two_stacks(90, 10);
  etcd_tls.state.etcd.tls = etcd_tls_config{"/etc/quikedge/etcd-ca.pem", "", "", "", true};
  auto etcd_user = test::two_stacks(90, 10);
  etcd_user.state.etcd.password_file = "/run/secrets/other";
  for (const auto& [fresh, field] :
       std::vector<std::pair<config, std::string>>{{admin, "admin.address"},
                                                   {audit, "admin.audit_log"},
                                                   {workers, "workers"},
                                                   {state, "state"},
                                                   {prefix, "state"},
                                                   {etcd_tls, "state"},
                                                   {etcd_user, "state"}}) {
    EXPECT_EQ(plan_reload(running, fresh, file_90_10, file_90_10).error,
              field + " cannot change on reload; restart the proxy or run a binary upgrade");
  }
  // Tokens and the body limit are read on every call: they may change.
  auto tokens = test::two_stacks(90, 10);
  tokens.admin.tokens.push_back({"ops", role::admin, std::string(64, 'a')});
  tokens.admin.max_body_bytes = 1024;
  EXPECT_EQ(plan_reload(running, tokens, file_90_10, file_90_10).error, "");
}

TEST(ReloadPlan, RefusesAllLiveWeightsZero) {
  const auto running = test::two_stacks(90, 10);
  auto fresh = test::two_stacks(90, 10);
  fresh.stacks.erase(fresh.stacks.begin());  // blue removed; the file still names it
  fresh.routing.weights.erase("blue");
  fresh.routing.weights["green"] = 10;
  // File weights {green:10} differ from {blue:90,green:10}: the file wins, 10 > 0.
  EXPECT_EQ(plan_reload(running, fresh, {{"blue", 100}, {"green", 0}}, file_90_10).error, "");
  // Same file weights as last read: the live ones stay, and green has none.
  EXPECT_EQ(plan_reload(running, fresh, {{"blue", 100}, {"green", 0}}, {{"green", 10}}).error,
            "after reload every live weight would be zero");
}

}  // namespace
}  // namespace quikedge::server
