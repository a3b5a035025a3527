// A rollout driven by a fleet (SPEC 10): three real quikedge replicas on a real
// 3-member etcd. Exactly one replica leads; a rollout started on any replica
// runs on the leader and every replica follows its weights; gates count the
// target's requests on every replica, so a target failing only behind the
// followers still rolls back; the leader killed mid-rollout is replaced within
// lease_ttl + 1 s and its successor finishes the rollout; a leader that stops
// hands over at once; pause and abort work from any replica. Polls with deadlines.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <signal.h>

#include <array>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>

#include "rollout_fixture.hpp"
#include "support/etcd_cluster.hpp"
#include "support/eventually.hpp"
#include "support/fleet_fixture.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/upstream_process.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

class FleetRollout : public fleet_fixture {
 protected:
  static constexpr std::chrono::milliseconds lease_ttl = 2s;

  void TearDown() override {
    loads_ = {};
    fleet_fixture::TearDown();
  }

  /// Starts the three replicas with `rollout_yaml` (a top-level rollout: section)
  /// and waits until all of them know the same elected leader.
  void start_fleet(const std::string& rollout_yaml) {
    proxy_config cfg;
    cfg.workers = 1;
    cfg.top_level_extra = rollout_yaml;
    ASSERT_TRUE(start_replicas([&](const std::string& id) {
      return fleet_config(id, "/quikedge-test/rollout", "2s", cfg);
    }));
    ASSERT_TRUE(eventually(
        [&]() -> testing::AssertionResult {
          std::set<std::string> seen;
          for (int i = 0; i < 3; ++i) {
            seen.insert(text(get_json(replica(i), "/api/v1/fleet"), "elected_leader"));
          }
          if (seen.size() == 1 && index_of(*seen.begin()) >= 0) {
            return testing::AssertionSuccess();
          }
          return testing::AssertionFailure() << seen.size() << " leaders seen";
        },
        5s, "one elected leader known to every replica"));
  }

  static boost::json::value get_json(proxy_process& r, std::string_view path) {
    auto response = r.admin("GET", path);
    boost::system::error_code ec;
    auto parsed = boost::json::parse(response.body, ec);
    return ec || response.status != 200 ? boost::json::value() : parsed;
  }

  static std::string text(const boost::json::value& doc, std::string_view key) {
    const auto* o = doc.if_object();
    const auto* v = o != nullptr ? o->if_contains(key) : nullptr;
    return v == nullptr ? "" : v->is_string() ? std::string(v->as_string()) : serialize(*v);
  }

  static std::string rollout_state(proxy_process& r) {
    return text(get_json(r, "/api/v1/rollout"), "state");
  }

  /// The id GET /api/v1/fleet on `r` names as driving the rollout ("" for null).
  static std::string leader_seen_by(proxy_process& r) {
    auto fleet = get_json(r, "/api/v1/fleet");
    const auto* o = fleet.if_object();
    const auto* v = o != nullptr ? o->if_contains("rollout_leader") : nullptr;
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
  }

  int index_of(const std::string& id) const {
    for (int i = 0; i < 3; ++i) {
      if (ids_[i] == id) {
        return i;
      }
    }
    return -1;
  }

  /// Waits until every replica in `which` shows the rollout in one of `states`.
  testing::AssertionResult all_in(const std::set<int>& which, const std::set<std::string>& states,
                                  std::chrono::milliseconds timeout) {
    return eventually(
        [&]() -> testing::AssertionResult {
          for (int i : which) {
            auto state = rollout_state(replica(i));
            if (states.count(state) == 0) {
              return testing::AssertionFailure()
                     << ids_[i] << " shows " << serialize(get_json(replica(i), "/api/v1/rollout"));
            }
          }
          return testing::AssertionSuccess();
        },
        timeout, "rollout state on every replica");
  }

  static std::string weights_of(proxy_process& r) {
    auto state = r.state();
    return state.is_object() ? serialize(state.at("weights")) : "no state";
  }

  /// Paced keep-alive load through replica `i` on `path`.
  void load(int i, const std::string& path) {
    loads_[i] = std::make_unique<load_generator>(
        replica(i).http_port(), [path](std::mt19937&) { return path; }, 1, 3ms);
  }

  /// Starts a rollout to green through replica `via` and waits until that replica
  /// names the one driving it: its index, or -1 with the test failed.
  int start_rollout_through(int via) {
    auto started = replica(via).admin("POST", "/api/v1/rollout", R"({"to":"green"})");
    EXPECT_EQ(started.status, 200) << started.body;
    std::string leader;
    EXPECT_TRUE(eventually([&] { return !(leader = leader_seen_by(replica(via))).empty(); }, 5s,
                           "a rollout leader"));
    return index_of(leader);
  }

  std::array<std::unique_ptr<load_generator>, 3> loads_;
};

/// Two steps (50%, then 100%) after `pause`, gated on a 1 s window.
std::string two_step_plan(const std::string& pause, int min_requests,
                          const std::string& window = "1s") {
  return "rollout:\n  steps: [ { weight: 50, pause: " + pause +
         " }, { weight: 100 } ]\n  gates: { window: " + window +
         ", min_requests: " + std::to_string(min_requests) +
         ", max_error_rate: 0.05, max_p99_latency: 2s }\n";
}

const std::string quick_plan =
    "rollout:\n"
    "  steps: [ { weight: 50, pause: 1s }, { weight: 100 } ]\n"
    "  gates: { window: 1s, min_requests: 10, max_error_rate: 0.05, max_p99_latency: 2s }\n";

TEST_F(FleetRollout, ARolloutStartedOnAnyReplicaRunsOnOneLeaderAndEveryReplicaFollowsIt) {
  start_fleet(quick_plan);
  for (int i = 0; i < 3; ++i) {
    load(i, "/");
  }
  // Started through replica-b, whoever leads.
  auto started = replica(1).admin("POST", "/api/v1/rollout", R"({"to":"green"})");
  ASSERT_EQ(started.status, 200) << started.body;
  std::string leader;
  ASSERT_TRUE(eventually(
      [&]() -> testing::AssertionResult {
        std::set<std::string> seen;
        for (int i = 0; i < 3; ++i) {
          seen.insert(leader_seen_by(replica(i)));
        }
        if (seen.size() == 1 && !seen.begin()->empty()) {
          leader = *seen.begin();
          return testing::AssertionSuccess();
        }
        return testing::AssertionFailure() << seen.size() << " different leaders seen";
      },
      5s, "one rollout leader named by every replica"));
  EXPECT_GE(index_of(leader), 0) << leader;
  ASSERT_TRUE(all_in({0, 1, 2}, {"succeeded"}, 20s));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually([&] { return weights_of(replica(i)) == R"({"blue":0,"green":100})"; },
                           2s, ids_[i] + " at green=100"));
    EXPECT_EQ(leader_seen_by(replica(i)), "") << "no rollout runs any more";
  }
}

TEST_F(FleetRollout, ATargetFailingOnlyBehindTheFollowersStillRollsBack) {
  start_fleet(two_step_plan("3s", 10, "2s"));
  const int l = start_rollout_through(0);
  ASSERT_GE(l, 0);
  // The leader's own requests all succeed; the target fails only behind the
  // others. Gates on the leader's counters alone would pass the step.
  for (int i = 0; i < 3; ++i) {
    load(i, i == l ? "/" : "/status/500");
  }
  ASSERT_TRUE(all_in({0, 1, 2}, {"rolled_back"}, 15s));
  auto doc = get_json(replica(l), "/api/v1/rollout");
  EXPECT_NE(text(doc, "reason").find("error rate"), std::string::npos) << serialize(doc);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually([&] { return weights_of(replica(i)) == R"({"blue":100,"green":0})"; },
                           2s, ids_[i] + " back at blue=100"));
  }
}

TEST_F(FleetRollout, TheLeaderKilledMidRolloutIsReplacedWithinTheLeaseTtlAndItsSuccessorFinishes) {
  start_fleet(two_step_plan("4s", 10));
  for (int i = 0; i < 3; ++i) {
    load(i, "/");
  }
  const int l = start_rollout_through(2);
  ASSERT_GE(l, 0);
  const std::string leader = ids_[l];
  loads_[l].reset();
  ASSERT_EQ(::kill(replica(l).process().pid(), SIGKILL), 0);
  const auto killed = std::chrono::steady_clock::now();
  const int survivor = (l + 1) % 3;
  const int other = (l + 2) % 3;
  std::string successor;
  ASSERT_TRUE(eventually(
      [&] {
        successor = leader_seen_by(replica(survivor));
        return !successor.empty() && successor != leader;
      },
      lease_ttl + 3s, "another replica leading"));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed);
  std::cout << "[ fleet    ] leader killed -> " << successor << " drives the rollout after "
            << took.count() << " ms (lease_ttl " << lease_ttl.count() << " ms)" << std::endl;
  EXPECT_LE(took, lease_ttl + 1s);
  EXPECT_NE(text(get_json(replica(survivor), "/api/v1/rollout"), "state"), "idle");
  ASSERT_TRUE(all_in({survivor, other}, {"succeeded"}, 20s));
  for (int i : {survivor, other}) {
    EXPECT_TRUE(eventually([&] { return weights_of(replica(i)) == R"({"blue":0,"green":100})"; },
                           2s, ids_[i] + " at green=100"));
  }
}

TEST_F(FleetRollout, ALeaderThatStopsHandsOverAtOnce) {
  start_fleet(two_step_plan("30s", 1));
  const int l = start_rollout_through(0);
  ASSERT_GE(l, 0);
  const std::string leader = ids_[l];
  const auto stopping = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(replica(l).process().pid(), SIGTERM), 0);
  const int survivor = (l + 1) % 3;
  ASSERT_TRUE(eventually(
      [&] {
        auto now_leading = leader_seen_by(replica(survivor));
        return !now_leading.empty() && now_leading != leader;
      },
      lease_ttl + 3s, "another replica leading"));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - stopping);
  std::cout << "[ fleet    ] leader stopped -> successor after " << took.count() << " ms"
            << std::endl;
  // The lease was revoked on the way out: no waiting for it to expire.
  EXPECT_LT(took, lease_ttl);
  EXPECT_EQ(rollout_state(replica(survivor)), "progressing");
  EXPECT_EQ(replica(l).stop(), 0);
}

TEST_F(FleetRollout, PauseAndAbortWorkFromAnyReplica) {
  start_fleet(two_step_plan("30s", 1));
  const int l = start_rollout_through(0);
  ASSERT_GE(l, 0);
  ASSERT_TRUE(all_in({0, 1, 2}, {"progressing"}, 5s));
  const int follower = (l + 1) % 3;
  const int other = (l + 2) % 3;

  auto paused = replica(follower).admin("POST", "/api/v1/rollout/pause", "{}");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(text(boost::json::parse(paused.body), "state"), "paused") << paused.body;
  EXPECT_EQ(rollout_state(replica(l)), "paused");  // the leader answered the call
  ASSERT_TRUE(all_in({0, 1, 2}, {"paused"}, 2s));

  // Twice on another follower: the second abort finds nothing to abort.
  auto aborted = replica(other).admin("POST", "/api/v1/rollout/abort", "{}");
  ASSERT_EQ(aborted.status, 200) << aborted.body;
  auto again = replica(other).admin("POST", "/api/v1/rollout/abort", "{}");
  EXPECT_EQ(again.status, 409) << again.body;
  ASSERT_TRUE(all_in({0, 1, 2}, {"aborted"}, 2s));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually([&] { return weights_of(replica(i)) == R"({"blue":100,"green":0})"; },
                           2s, ids_[i] + " back at blue=100"));
  }
  // Weights by hand are refused on a follower while a rollout runs anywhere.
  auto restarted = replica(follower).admin("POST", "/api/v1/rollout", R"({"to":"green"})");
  ASSERT_EQ(restarted.status, 200) << restarted.body;
  ASSERT_TRUE(all_in({other}, {"progressing"}, 2s));
  auto by_hand = replica(other).set_weights({{"blue", 0}, {"green", 100}});
  EXPECT_EQ(by_hand.status, 409) << by_hand.body;
}

TEST_F(FleetRollout, ABinaryUpgradeOfTheLeaderKeepsTheRolloutAndTheFleet) {
  start_fleet(two_step_plan("60s", 1));
  const int l = start_rollout_through(0);
  ASSERT_GE(l, 0);
  // A new binary on the leader's own config file takes its sockets over.
  proxy_process successor;
  ASSERT_TRUE(successor.start_on(replica(l).config_path()));
  ASSERT_EQ(replica(l).process().wait_exit(deadline_in(20s)), std::optional<int>(0))
      << replica(l).process().stderr_text();
  auto live = [&](int i) -> proxy_process& { return i == l ? successor : replica(i); };
  ASSERT_TRUE(eventually(
      [&]() -> testing::AssertionResult {
        std::set<std::string> seen;
        for (int i = 0; i < 3; ++i) {
          seen.insert(leader_seen_by(live(i)));
          auto doc = get_json(live(i), "/api/v1/rollout");
          if (text(doc, "state") != "progressing" || text(doc, "weight") != "50") {
            return testing::AssertionFailure() << ids_[i] << ": " << serialize(doc);
          }
        }
        if (seen.size() != 1 || seen.begin()->empty()) {
          return testing::AssertionFailure() << seen.size() << " leaders seen";
        }
        return testing::AssertionSuccess();
      },
      10s, "one leader and the rollout at its step after the upgrade"));
  EXPECT_EQ(weights_of(successor), R"({"blue":50,"green":50})");
  // The new process commits through the store like the old one did.
  auto rolled_back = successor.admin("POST", "/api/v1/rollback", R"({"to":"blue"})");
  ASSERT_EQ(rolled_back.status, 200) << rolled_back.body;
  ASSERT_TRUE(all_in({(l + 1) % 3, (l + 2) % 3}, {"aborted"}, 3s));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually([&] { return weights_of(live(i)) == R"({"blue":100,"green":0})"; }, 2s,
                           ids_[i] + " back at blue=100"));
  }
  successor.stop();
}

}  // namespace
}  // namespace quikedge::test
