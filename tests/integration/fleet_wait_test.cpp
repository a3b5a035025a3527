// `?wait=fleet` and `quikctl --wait` (SPEC 10) on three real quikedge
// processes sharing a real 3-member etcd on loopback: a change answers once
// every live replica applied it (so each one's /state shows it the moment the
// answer arrives), a replica frozen with its lease still alive turns the
// answer into a 504 after 5 s that names it while the change stands, every
// change endpoint waits alike; with the file backend the answer is at once,
// and an unknown `wait` changes nothing. Every wait polls with a deadline.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <signal.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "etcd/etcd_messages.hpp"
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

constexpr std::string_view prefix = "/quikedge-test/wait";

/// One change call on a fresh connection, with room for the 5 s wait.
http_response change(proxy_process& r, std::string_view method, const std::string& target,
                     const std::string& body = "") {
  http_client client(r.admin_port());
  return client.request(method, target, {{"Content-Type", "application/json"}}, body, 8000ms);
}

std::string weights_body(int blue, int green) {
  return R"({"weights":{"blue":)" + std::to_string(blue) + R"(,"green":)" + std::to_string(green) +
         "}}";
}

std::uint64_t version_of(proxy_process& r) {
  auto state = r.state();
  return state.is_object() ? state.at("version").to_number<std::uint64_t>() : 0;
}

boost::json::value parsed(const std::string& body) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  return ec ? boost::json::value() : value;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

class FleetWaitTest : public fleet_fixture {
 protected:
  void SetUp() override {
    fleet_fixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    ASSERT_TRUE(start_replicas([this](const std::string& id) { return config_for(id); }));
    // "ready" comes before the registration lands: a replica not registered
    // yet is not live, and nobody would wait for it.
    ASSERT_TRUE(eventually([&] { return registrations() == 3; }, 10s, "three registrations"));
  }

  void TearDown() override {
    if (frozen_ > 0) {
      ::kill(frozen_, SIGCONT);  // else it could not stop on SIGTERM
    }
    fleet_fixture::TearDown();
  }

  std::string config_for(const std::string& id) const {
    // A lease of 12 s, kept alive every 4 s: a replica frozen just after a
    // beat stays registered (live) for 8 s, well past the wait's 5 s.
    return fleet_config(id, std::string(prefix), "12s");
  }

  /// The registrations etcd holds under PREFIX/replicas/, read from member 0.
  std::size_t registrations() const {
    auto body = cluster_->post(0, "/v3/kv/range",
                               etcd::range_request(std::string(prefix) + "/replicas/", true));
    etcd::gateway_error error;
    auto answer = etcd::parse_range(body, &error);
    return answer ? answer->kvs.size() : 0;
  }

  /// Every replica's GET /api/v1/state shows `version`, read once, right now.
  testing::AssertionResult all_at(std::uint64_t version) {
    for (std::size_t i = 0; i < replicas_.size(); ++i) {
      const auto seen = version_of(*replicas_[i]);
      if (seen != version) {
        return testing::AssertionFailure()
               << ids_[i] << " shows version " << seen << ", not " << version;
      }
    }
    return testing::AssertionSuccess();
  }

  pid_t frozen_ = -1;
};

TEST_F(FleetWaitTest, AChangeAnswersOnlyOnceEveryReplicaShowsItsVersion) {
  std::vector<double> waited_ms;
  std::vector<double> plain_ms;
  int plain_early = 0;  ///< answers without the wait that came before the fleet had it
  for (int round = 0; round < 12; ++round) {
    const bool to_green = round % 2 == 0;
    proxy_process& asked = replica(round % 3);
    auto start = std::chrono::steady_clock::now();
    auto answer = change(asked, "PUT", "/api/v1/weights?wait=fleet",
                         weights_body(to_green ? 0 : 100, to_green ? 100 : 0));
    waited_ms.push_back(ms_since(start));
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto version = parsed(answer.body).at("version").to_number<std::uint64_t>();
    // No polling here: the answer promised it.
    ASSERT_TRUE(all_at(version)) << "round " << round;

    // The same change without the wait, for comparison.
    start = std::chrono::steady_clock::now();
    auto plain =
        change(asked, "PUT", "/api/v1/weights", weights_body(to_green ? 1 : 99, to_green ? 99 : 1));
    plain_ms.push_back(ms_since(start));
    ASSERT_EQ(plain.status, 200) << plain.body;
    const auto plain_version = parsed(plain.body).at("version").to_number<std::uint64_t>();
    plain_early += all_at(plain_version) ? 0 : 1;
    ASSERT_TRUE(eventually([&] { return all_at(plain_version); }, 2s));
  }
  std::sort(waited_ms.begin(), waited_ms.end());
  std::sort(plain_ms.begin(), plain_ms.end());
  std::cout << "[ fleet    ] PUT ?wait=fleet, 3 replicas: median "
            << waited_ms[waited_ms.size() / 2] << " ms, max " << waited_ms.back()
            << " ms; without the wait: median " << plain_ms[plain_ms.size() / 2] << " ms, max "
            << plain_ms.back() << " ms, " << plain_early << " of " << plain_ms.size()
            << " answered before every replica showed the change" << std::endl;
}

TEST_F(FleetWaitTest, AFrozenReplicaIsNamedIn504AfterFiveSecondsAndTheChangeStands) {
  const auto before = version_of(replica(0));
  ASSERT_TRUE(all_at(before));
  frozen_ = replica(2).process().pid();
  ASSERT_GT(frozen_, 0);
  // Stopped, not killed: its lease lives on, so it still counts as live.
  ASSERT_EQ(::kill(frozen_, SIGSTOP), 0);
  const auto asked = std::chrono::steady_clock::now();
  auto answer = change(replica(0), "PUT", "/api/v1/weights?wait=fleet", weights_body(0, 100));
  const double took = ms_since(asked);
  std::cout << "[ fleet    ] replica-c frozen: ?wait=fleet answered " << answer.status << " after "
            << took << " ms" << std::endl;
  EXPECT_GE(took, 5000);
  EXPECT_LT(took, 6000);
  ASSERT_EQ(answer.status, 504) << answer.body;
  EXPECT_EQ(answer.header("Content-Type"), "application/json");
  auto body = parsed(answer.body);
  ASSERT_TRUE(body.is_object()) << answer.body;
  EXPECT_EQ(body.at("version"), before + 1);
  const auto& lagging = body.at("lagging").as_array();
  ASSERT_EQ(lagging.size(), 1U) << answer.body;
  EXPECT_EQ(lagging[0].at("id"), "replica-c");
  EXPECT_EQ(lagging[0].at("applied_version"), before);
  const std::string error(body.at("error").as_string());
  EXPECT_NE(error.find("replica-c"), std::string::npos) << error;
  EXPECT_NE(error.find("committed"), std::string::npos) << error;

  // The change stands: the live replicas route by it.
  EXPECT_EQ(version_of(replica(0)), before + 1);
  EXPECT_EQ(version_of(replica(1)), before + 1);
  EXPECT_EQ(replica(1).state().at("weights").at("green"), 100);

  ASSERT_EQ(::kill(frozen_, SIGCONT), 0);
  frozen_ = -1;
  EXPECT_TRUE(eventually([&] { return version_of(replica(2)) == before + 1; }, 3s,
                         "replica-c catching up once it runs again"));
  // And the fleet answers whole again.
  auto again = change(replica(1), "PUT", "/api/v1/weights?wait=fleet", weights_body(100, 0));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(all_at(before + 2));
}

TEST_F(FleetWaitTest, EveryChangeEndpointWaitsForTheFleet) {
  struct step {
    int replica;
    std::string_view method;
    std::string target;
    std::string body;
  };
  // The rollout runs on the replica that started it (no leader election yet).
  const std::vector<step> steps = {
      {0, "POST", "/api/v1/rollout?wait=fleet", R"({"to":"green"})"},
      {0, "POST", "/api/v1/rollout/pause?wait=fleet", ""},
      {0, "POST", "/api/v1/rollout/resume?wait=fleet", ""},
      {0, "POST", "/api/v1/rollout/abort?wait=fleet", ""},
      {0, "POST", "/api/v1/rollout?wait=fleet", R"({"to":"green"})"},
      {0, "POST", "/api/v1/rollout/promote?wait=fleet", ""},  // succeeded at once
      {2, "PUT", "/api/v1/weights?wait=fleet", weights_body(0, 100)},
      {0, "POST", "/api/v1/rollback?wait=fleet", R"({"to":"blue"})"},
      {1, "POST", "/api/v1/reload?wait=fleet", ""},
  };
  for (const auto& s : steps) {
    const auto asked = std::chrono::steady_clock::now();
    auto answer = change(replica(s.replica), s.method, s.target, s.body);
    ASSERT_EQ(answer.status, 200) << s.target << ": " << answer.body;
    EXPECT_LT(ms_since(asked), 2000) << s.target;
    // Rollout calls answer the rollout's status: the version is the answering replica's.
    EXPECT_TRUE(all_at(version_of(replica(s.replica)))) << s.target;
  }
  EXPECT_EQ(replica(2).state().at("weights").at("blue"), 100);
}

TEST_F(FleetWaitTest, QuikctlWaitPrintsTheStateOnceTheFleetAppliedIt) {
  const auto before = version_of(replica(1));
  auto result = run_command({bin_path("quikctl"), "--admin", replica(1).admin_url(), "--wait",
                             "weights", "blue=0", "green=100"});
  ASSERT_EQ(result.exit_status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("version " + std::to_string(before + 1)), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("green\tweight 100"), std::string::npos) << result.out;
  EXPECT_TRUE(all_at(before + 1));

  // A read has nothing to wait for: a usage error, not a silent no-op.
  auto misuse =
      run_command({bin_path("quikctl"), "--admin", replica(1).admin_url(), "--wait", "state"});
  EXPECT_EQ(misuse.exit_status, 2) << misuse.out << misuse.err;
  EXPECT_NE(misuse.err.find("--wait applies to a change"), std::string::npos) << misuse.err;
}

class FleetWaitFileBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(blue_.start());
    ASSERT_TRUE(green_.start());
    proxy_config cfg;
    cfg.stacks = {{"blue", {blue_.address()}, 100}, {"green", {green_.address()}, 0}};
    ASSERT_TRUE(proxy_.start(cfg));
  }

  upstream_process blue_{"blue"};
  upstream_process green_{"green"};
  proxy_process proxy_;
};

TEST_F(FleetWaitFileBackend, AnswersAtOnceTheFleetBeingThisReplica) {
  const auto before = version_of(proxy_);
  const auto asked = std::chrono::steady_clock::now();
  auto answer = change(proxy_, "PUT", "/api/v1/weights?wait=fleet", weights_body(50, 50));
  const double took = ms_since(asked);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_LT(took, 1000);
  EXPECT_EQ(parsed(answer.body).at("version"), before + 1);
  auto rollback = change(proxy_, "POST", "/api/v1/rollback?wait=fleet", "");
  EXPECT_EQ(rollback.status, 200) << rollback.body;
  EXPECT_EQ(version_of(proxy_), before + 2);
  std::cout << "[ fleet    ] file backend: PUT ?wait=fleet answered in " << took << " ms"
            << std::endl;
}

TEST_F(FleetWaitFileBackend, AnUnknownWaitIsRefusedAndChangesNothing) {
  const auto before = version_of(proxy_);
  for (const std::string query : {"?wait=all", "?wait=", "?wait", "?reason=x&wait=FLEET"}) {
    auto answer = change(proxy_, "PUT", "/api/v1/weights" + query, weights_body(0, 100));
    EXPECT_EQ(answer.status, 400) << query << ": " << answer.body;
    auto body = parsed(answer.body);
    ASSERT_TRUE(body.is_object()) << answer.body;
    EXPECT_NE(std::string(body.at("error").as_string()).find("wait="), std::string::npos)
        << answer.body;
  }
  auto rollout = change(proxy_, "POST", "/api/v1/rollout?wait=soon", R"({"to":"green"})");
  EXPECT_EQ(rollout.status, 400) << rollout.body;
  auto rollback = change(proxy_, "POST", "/api/v1/rollback?wait=1", R"({"to":"green"})");
  EXPECT_EQ(rollback.status, 400) << rollback.body;

  auto state = proxy_.state();
  EXPECT_EQ(state.at("version"), before);
  EXPECT_EQ(state.at("weights").at("blue"), 100);
  EXPECT_EQ(state.at("rollout").at("state"), "idle");
}

}  // namespace
}  // namespace quikedge::test
