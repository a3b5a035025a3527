// A fleet of three real quikedge processes sharing their routing state through
// a real 3-member etcd cluster on loopback (SPEC 10): a change through one
// replica is routed by the others within 1 s, a stale If-Match on another
// replica is refused, a restarted replica routes its first request by the
// fleet's weights, the whole cluster down keeps traffic flowing by the last
// weights while changes answer 503, and neither the raft leader's death nor a
// frozen member fails a change. Every wait polls with a deadline.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <signal.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/etcd_cluster.hpp"
#include "support/eventually.hpp"
#include "support/fleet_fixture.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/upstream_process.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

class FleetEtcdTest : public fleet_fixture {
 protected:
  void SetUp() override {
    fleet_fixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    ASSERT_TRUE(start_replicas([this](const std::string& id) { return config_for(id); }));
  }

  std::string config_for(const std::string& id) const {
    return fleet_config(id, "/quikedge-test/fleet", "2s");
  }

  /// `count` requests on fresh connections through `r`, each answered by `stack`.
  static testing::AssertionResult routes_all_to(proxy_process& r, const std::string& stack,
                                                int count = 10) {
    for (int i = 0; i < count; ++i) {
      auto response = http_get(r.http_port(), "/", {}, 2000ms);
      if (response.status != 200) {
        return testing::AssertionFailure()
               << "request " << i << " answered " << response.status << " " << response.error;
      }
      if (response.header("X-QuikEdge-Stack") != stack) {
        return testing::AssertionFailure()
               << "request " << i << " went to " << response.header("X-QuikEdge-Stack");
      }
    }
    return testing::AssertionSuccess();
  }

  static std::uint64_t version_of(proxy_process& r) {
    auto state = r.state();
    return state.is_object() ? state.at("version").to_number<std::uint64_t>() : 0;
  }

  static boost::json::value fleet_of(proxy_process& r) {
    auto response = r.admin("GET", "/api/v1/fleet");
    boost::system::error_code ec;
    auto parsed = boost::json::parse(response.body, ec);
    return ec ? boost::json::value() : parsed;
  }

  static http_response put_weights(proxy_process& r, int blue, int green,
                                   std::optional<std::uint64_t> if_match = std::nullopt) {
    http_client client(r.admin_port());
    header_list headers{{"Content-Type", "application/json"}};
    if (if_match) {
      headers.push_back({"If-Match", "\"" + std::to_string(*if_match) + "\""});
    }
    return client.request("PUT", "/api/v1/weights", headers,
                          R"({"weights":{"blue":)" + std::to_string(blue) + R"(,"green":)" +
                              std::to_string(green) + "}}",
                          8000ms);
  }
};

TEST_F(FleetEtcdTest, AChangeThroughOneReplicaIsRoutedByTheOthersWithinOneSecond) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(routes_all_to(replica(i), "blue")) << ids_[i];
  }
  std::vector<double> took_ms;
  for (int round = 0; round < 20; ++round) {
    const bool to_green = round % 2 == 0;
    const auto asked = std::chrono::steady_clock::now();
    auto answer = put_weights(replica(0), to_green ? 0 : 100, to_green ? 100 : 0);
    ASSERT_EQ(answer.status, 200) << answer.body;
    const std::string stack = to_green ? "green" : "blue";
    // One request per poll: "routed by" is what the data path does, not what /state says.
    for (int i = 1; i < 3; ++i) {
      ASSERT_TRUE(eventually([&] { return routes_all_to(replica(i), stack, 1); }, 1000ms,
                             ids_[i] + " routing to " + stack));
    }
    took_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - asked)
            .count());
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(routes_all_to(replica(i), stack)) << ids_[i];
    }
  }
  std::sort(took_ms.begin(), took_ms.end());
  std::cout << "[ fleet    ] PUT on one replica -> both others routing by it: median "
            << took_ms[took_ms.size() / 2] << " ms, max " << took_ms.back() << " ms over "
            << took_ms.size() << " changes" << std::endl;

  // Every replica registered, and all agree on the version.
  const auto version = version_of(replica(0));
  EXPECT_EQ(version_of(replica(1)), version);
  EXPECT_EQ(version_of(replica(2)), version);
  EXPECT_TRUE(eventually(
      [&] {
        auto fleet = fleet_of(replica(1));
        if (!fleet.is_object() || fleet.at("replicas").as_array().size() != 3) {
          return testing::AssertionFailure() << boost::json::serialize(fleet);
        }
        for (const auto& r : fleet.at("replicas").as_array()) {
          if (r.at("applied_version").to_number<std::uint64_t>() != version ||
              r.at("lag").to_number<std::uint64_t>() != 0) {
            return testing::AssertionFailure() << boost::json::serialize(fleet);
          }
        }
        return testing::AssertionSuccess();
      },
      5s, "GET /api/v1/fleet listing three replicas at the same version"));
  auto fleet = fleet_of(replica(1));
  EXPECT_EQ(fleet.at("backend"), "etcd");
  EXPECT_EQ(fleet.at("store_up"), true);
  EXPECT_TRUE(fleet.at("rollout_leader").is_null());
  EXPECT_EQ(replica(2).metric("quikedge_state_store_up", {{"environment", "test"}}), 1);
  EXPECT_EQ(replica(2).metric("quikedge_state_version_applied", {{"environment", "test"}}),
            static_cast<double>(version));
  EXPECT_EQ(replica(2).metric("quikedge_fleet_replicas", {{"environment", "test"}}), 3);
}

TEST_F(FleetEtcdTest, AStaleIfMatchOnAnotherReplicaIsRefusedWith409) {
  const auto before = version_of(replica(1));
  auto answer = put_weights(replica(0), 50, 50, before);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const auto after = version_of(replica(0));
  EXPECT_EQ(after, before + 1);
  for (int i = 1; i < 3; ++i) {
    ASSERT_TRUE(eventually([&] { return version_of(replica(i)) == after; }, 1000ms,
                           ids_[i] + " at the new version"));
  }
  // B's controller read `before` and did not see A's change yet.
  auto stale = put_weights(replica(1), 0, 100, before);
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_NE(stale.body.find("version is " + std::to_string(after)), std::string::npos)
      << stale.body;
  // Refused means unchanged everywhere.
  EXPECT_EQ(version_of(replica(1)), after);
  EXPECT_EQ(version_of(replica(2)), after);
  EXPECT_EQ(replica(1).state().at("weights").at("green"), 50);
  // The version B knows now is accepted.
  auto fresh = put_weights(replica(1), 0, 100, after);
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_TRUE(eventually([&] { return routes_all_to(replica(0), "green", 1); }, 1000ms));
}

TEST_F(FleetEtcdTest, ARestartedReplicaRoutesItsFirstRequestByTheFleetsWeights) {
  // Killed, not stopped: no chance to say goodbye to etcd (its lease just expires).
  ASSERT_EQ(::kill(replica(2).process().pid(), SIGKILL), 0);
  EXPECT_EQ(replica(2).process().wait_exit(test_clock::now() + 5s), 128 + SIGKILL);
  auto answer = put_weights(replica(0), 0, 100);
  ASSERT_EQ(answer.status, 200) << answer.body;
  // Its config file still says blue 100; the fleet says green.
  ASSERT_TRUE(replica(2).start_on(replica(2).config_path()));
  auto first = http_get(replica(2).http_port(), "/", {}, 2000ms);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("X-QuikEdge-Stack"), "green");
  EXPECT_TRUE(routes_all_to(replica(2), "green"));
  EXPECT_EQ(version_of(replica(2)), version_of(replica(0)));
  // Registered again under its id: the fleet still counts three.
  EXPECT_TRUE(eventually(
      [&] {
        auto fleet = fleet_of(replica(0));
        return fleet.is_object() && fleet.at("replicas").as_array().size() == 3;
      },
      5s, "three replicas in the fleet after the restart"));
}

TEST_F(FleetEtcdTest, AReplicaAddedLaterRoutesItsFirstRequestByTheFleetsWeights) {
  auto answer = put_weights(replica(1), 0, 100);
  ASSERT_EQ(answer.status, 200) << answer.body;
  // A new id, as the HPA adds a pod; its config file says blue 100.
  proxy_process added;
  ASSERT_TRUE(added.start(config_for("replica-d")));
  auto first = http_get(added.http_port(), "/", {}, 2000ms);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("X-QuikEdge-Stack"), "green");
  EXPECT_TRUE(routes_all_to(added, "green"));
  EXPECT_EQ(version_of(added), version_of(replica(1)));
  EXPECT_TRUE(eventually(
      [&] {
        auto fleet = fleet_of(replica(0));
        return fleet.is_object() && fleet.at("replicas").as_array().size() == 4;
      },
      5s, "four replicas in the fleet"));
  // And it follows the next change like the others.
  ASSERT_EQ(put_weights(replica(0), 100, 0).status, 200);
  EXPECT_TRUE(eventually([&] { return routes_all_to(added, "blue", 1); }, 1000ms,
                         "the added replica following the next change"));
}

TEST_F(FleetEtcdTest, WithEveryMemberDownTrafficFlowsAndChangesAnswer503ThenTheFleetConverges) {
  auto answer = put_weights(replica(0), 0, 100);
  ASSERT_EQ(answer.status, 200) << answer.body;
  for (int i = 1; i < 3; ++i) {
    ASSERT_TRUE(eventually([&] { return routes_all_to(replica(i), "green", 1); }, 1000ms));
  }
  const auto version = version_of(replica(0));
  for (int m = 0; m < 3; ++m) {
    cluster_->kill(m);
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually(
        [&] {
          return replica(i).metric("quikedge_state_store_up", {{"environment", "test"}}) == 0;
        },
        5s, ids_[i] + " reporting the store down"));
  }
  const auto asked = std::chrono::steady_clock::now();
  auto refused = put_weights(replica(1), 100, 0);
  const auto refused_after = std::chrono::steady_clock::now() - asked;
  EXPECT_LE(refused_after, 5500ms);
  std::cout << "[ fleet    ] every member down: 503 after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(refused_after).count() << " ms"
            << std::endl;
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("state store unavailable: "), std::string::npos) << refused.body;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(routes_all_to(replica(i), "green")) << ids_[i];  // fail static
    EXPECT_EQ(version_of(replica(i)), version) << ids_[i];
    EXPECT_EQ(replica(i).admin("GET", "/readyz").status, 200) << ids_[i];
  }

  cluster_->start({0, 1, 2});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually(
        [&] {
          return replica(i).metric("quikedge_state_store_up", {{"environment", "test"}}) == 1;
        },
        10s, ids_[i] + " reporting the store up again"));
  }
  auto accepted = put_weights(replica(1), 100, 0);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually([&] { return routes_all_to(replica(i), "blue", 1); }, 1000ms,
                           ids_[i] + " following the change after the outage"));
    EXPECT_EQ(version_of(replica(i)), version + 1) << ids_[i];
  }
}

TEST_F(FleetEtcdTest, AReplicaWhoseWatchMissedCompactedChangesCatchesUp) {
  // Replica C is frozen while every member restarts (its watch connection dies
  // unread), the fleet changes five times and etcd compacts those revisions
  // away: when C runs again, the revision its watch resumes from is gone.
  ASSERT_EQ(::kill(replica(2).process().pid(), SIGSTOP), 0);
  for (int m = 0; m < 3; ++m) {
    cluster_->kill(m);
  }
  cluster_->start({0, 1, 2});
  for (int n = 0; n < 5; ++n) {
    http_response answer;
    // A's connections to the old members are gone too: the first try may meet that.
    ASSERT_TRUE(eventually(
        [&] {
          return (answer = put_weights(replica(0), n % 2 ? 100 : 0, n % 2 ? 0 : 100)).status == 200;
        },
        10s, "a change through A after the restart"))
        << answer.body;
  }
  const auto version = version_of(replica(0));
  const auto member = cluster_->endpoints()[0].port;
  http_client etcd(member);
  auto range = etcd.request("POST", "/v3/kv/range", {{"Content-Type", "application/json"}},
                            R"({"key":"Lw=="})", 5000ms);  // "/": any key, for the header
  ASSERT_EQ(range.status, 200) << range.body;
  const std::string revision(
      boost::json::parse(range.body).at("header").at("revision").as_string());
  auto compacted = etcd.request("POST", "/v3/kv/compaction", {{"Content-Type", "application/json"}},
                                R"({"revision":")" + revision + R"(","physical":true})", 5000ms);
  ASSERT_EQ(compacted.status, 200) << compacted.body;

  ASSERT_EQ(::kill(replica(2).process().pid(), SIGCONT), 0);
  EXPECT_TRUE(eventually([&] { return routes_all_to(replica(2), "green", 1); }, 3s,
                         "C routing by the fleet's last change"));
  EXPECT_EQ(version_of(replica(2)), version);
  const bool reread = replica(2).process().stderr_text().find("compacted") != std::string::npos ||
                      replica(2).process().stdout_text().find("compacted") != std::string::npos;
  std::cout << "[ fleet    ] C caught up by "
            << (reread ? "a re-read after the compaction" : "its once-a-second read") << std::endl;
  // And it keeps following: the watch it opened after catching up works.
  ASSERT_EQ(put_weights(replica(1), 100, 0).status, 200);
  EXPECT_TRUE(eventually([&] { return routes_all_to(replica(2), "blue", 1); }, 1000ms,
                         "C following the next change"));
}

TEST_F(FleetEtcdTest, ChangesSucceedWhenTheEtcdLeaderIsKilled) {
  int leader = -1;
  ASSERT_TRUE(eventually([&] { return (leader = cluster_->leader()) >= 0; }, 10s));
  cluster_->kill(leader);
  const auto asked = std::chrono::steady_clock::now();
  auto answer = put_weights(replica(0), 0, 100);
  const auto answered_after = std::chrono::steady_clock::now() - asked;
  EXPECT_LE(answered_after, 5500ms);
  ASSERT_EQ(answer.status, 200) << answer.body;
  std::cout << "[ fleet    ] raft leader killed: change answered after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(answered_after).count()
            << " ms" << std::endl;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually([&] { return routes_all_to(replica(i), "green", 1); }, 2000ms,
                           ids_[i] + " routing by the change made without the leader"));
  }
  // And the next one, with the cluster on its new leader.
  auto again = put_weights(replica(2), 100, 0);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(eventually([&] { return routes_all_to(replica(1), "blue", 1); }, 1000ms));
}

TEST_F(FleetEtcdTest, AFrozenMemberDelaysButDoesNotStopChanges) {
  // Every replica starts on member 0 (calls and watch): frozen, it accepts
  // connections and answers nothing, the worst a slow member can do.
  const pid_t frozen = cluster_->pid(0);
  ASSERT_GT(frozen, 0);
  ASSERT_EQ(::kill(frozen, SIGSTOP), 0);
  const auto asked = std::chrono::steady_clock::now();
  auto answer = put_weights(replica(0), 0, 100);
  const auto answered = std::chrono::steady_clock::now();
  EXPECT_LE(answered - asked, 5500ms);
  EXPECT_EQ(answer.status, 200) << answer.body;
  for (int i = 1; i < 3; ++i) {
    // The watch on the frozen member brings nothing; the once-a-second read
    // finds the change and moves the watch on.
    EXPECT_TRUE(eventually([&] { return routes_all_to(replica(i), "green", 1); }, 4s,
                           ids_[i] + " routing by a change its watch never brought"));
  }
  std::cout << "[ fleet    ] member 0 frozen: PUT answered in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(answered - asked).count()
            << " ms, others routing by it after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - asked)
                   .count()
            << " ms" << std::endl;
  // Moved on: the next change is routed as fast as ever.
  auto again = put_weights(replica(1), 100, 0);
  EXPECT_EQ(again.status, 200) << again.body;
  for (int i = 0; i < 3; ++i) {
    if (i != 1) {
      EXPECT_TRUE(eventually([&] { return routes_all_to(replica(i), "blue", 1); }, 1000ms,
                             ids_[i] + " after the watch moved on"));
    }
  }
  ::kill(frozen, SIGCONT);
}

TEST_F(FleetEtcdTest, AReplicaStartedWhileEtcdIsDownOpensNoListenerUntilItReadTheState) {
  auto answer = put_weights(replica(0), 0, 100);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(replica(2).stop(), 0);  // else the new process would take over its sockets
  for (int m = 0; m < 3; ++m) {
    cluster_->kill(m);
  }
  // Its config file says blue 100; the fleet says green.
  child_process late({bin_path("quikedge"), "--config", replica(2).config_path().string()});
  EXPECT_TRUE(eventually(
      [&] {
        return late.stderr_text().find("quikedge: waiting for the state store") !=
               std::string::npos;
      },
      5s, "the waiting line on stderr"));
  EXPECT_EQ(late.stdout_text().find("listener"), std::string::npos) << late.stdout_text();
  cluster_->start({0, 1, 2});
  auto listener = late.wait_for_line("quikedge: listener http on ", deadline_in(20s));
  ASSERT_TRUE(listener.has_value()) << late.stderr_text();
  auto first = http_get(port_from_line(*listener), "/", {}, 2000ms);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("X-QuikEdge-Stack"), "green");
  EXPECT_EQ(late.stop(), 0);
}

TEST_F(FleetEtcdTest, AConfigFileWhoseWeightsChangedIsTheLastChangeForTheFleet) {
  EXPECT_EQ(replica(2).stop(), 0);
  // An operator edits replica-c's file (as a config rollout would) and restarts it.
  std::string yaml = read_file(replica(2).config_path());
  const std::string old_weights = "blue: 100, green: 0";
  ASSERT_NE(yaml.find(old_weights), std::string::npos) << yaml;
  yaml.replace(yaml.find(old_weights), old_weights.size(), "blue: 0, green: 100");
  { std::ofstream(replica(2).config_path()) << yaml; }
  ASSERT_TRUE(replica(2).start_on(replica(2).config_path()));
  EXPECT_TRUE(routes_all_to(replica(2), "green"));
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(eventually([&] { return routes_all_to(replica(i), "green", 1); }, 1000ms,
                           ids_[i] + " following replica-c's new file weights"));
  }
  EXPECT_EQ(version_of(replica(0)), version_of(replica(2)));
}

TEST(FleetFileBackend, TheFleetIsThisReplicaAlone) {
  upstream_process blue("blue");
  ASSERT_TRUE(blue.start());
  proxy_process proxy;
  proxy_config cfg;
  cfg.stacks = {{"blue", {blue.address()}, 100}};
  ASSERT_TRUE(proxy.start(cfg));
  auto response = proxy.admin("GET", "/api/v1/fleet");
  ASSERT_EQ(response.status, 200) << response.body;
  auto fleet = boost::json::parse(response.body);
  EXPECT_EQ(fleet.at("backend"), "file");
  EXPECT_EQ(fleet.at("store_up"), true);
  ASSERT_EQ(fleet.at("replicas").as_array().size(), 1U);
  const auto& self = fleet.at("replicas").as_array().front();
  EXPECT_EQ(self.at("applied_version"), fleet.at("version"));
  EXPECT_EQ(self.at("lag"), 0);
  EXPECT_TRUE(fleet.at("rollout_leader").is_null());
  EXPECT_EQ(fleet.at("elected_leader"), self.at("id"));  // one process leads its own rollouts
  EXPECT_EQ(proxy.metric("quikedge_fleet_replicas", {{"environment", "test"}}), 1);
  EXPECT_EQ(proxy.metric("quikedge_state_store_up", {{"environment", "test"}}), 1);
  EXPECT_EQ(proxy.metric("quikedge_state_version_applied", {{"environment", "test"}}),
            fleet.at("version").to_number<double>());
}

}  // namespace
}  // namespace quikedge::test
