// The etcd state store's fence for a rollout leader's changes, against a real
// etcd: a change fenced on the leader key is stored while that key is the one
// this leader created, and refused (409, the stored state untouched) once the
// key is gone or a successor created it anew, even where the change would
// otherwise be rebased on the successor's state (last change wins).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "etcd/etcd_messages.hpp"
#include "etcd/gateway_client.hpp"
#include "quikedge/config_loader.hpp"
#include "server/etcd_state_store.hpp"
#include "support/etcd_cluster.hpp"
#include "support/gateway_calls.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

const std::string prefix = "/quikedge/fence";
const std::string state_key = prefix + "/state";
const std::string leader_key = prefix + "/rollout/leader";

class EtcdStateFenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!etcd_available()) {
      GTEST_SKIP() << "etcd-server is not installed (scripts/install-deps.sh installs it)";
    }
    cluster_ = std::make_unique<etcd_cluster>(1);
    const std::string member = "http://" + cluster_->endpoints()[0].to_string();
    auto loaded = load_config_text(R"(workers: 1
listeners: [{ name: http, address: "127.0.0.1:0" }]
admin: { address: "127.0.0.1:0" }
stacks:
  blue: { endpoints: ["127.0.0.1:9"] }
  green: { endpoints: ["127.0.0.1:9"] }
routing: { weights: { blue: 100, green: 0 } }
state:
  backend: etcd
  etcd: { endpoints: [")" + member + R"("], prefix: )" +
                                       prefix +
                                       R"(, lease_ttl: 5s, replica_id: leader-a }
)",
                                   "fence.yaml");
    ASSERT_TRUE(loaded.value) << (loaded.errors.empty() ? "" : loaded.errors[0].message);
    settings_ = *loaded.value;
    client_ = std::make_shared<etcd::gateway_client>(io_, nullptr, cluster_->endpoints(), 1000ms);
    store_ = std::make_unique<server::etcd_state_store>(io_, settings_);
    store_->load();
  }

  gateway_answer call(const std::string& path, const std::string& body) {
    return call_and_wait(io_, *client_, path, body, 15s);
  }

  /// Puts the leader key anew; its create_revision, the fence of whoever put it.
  std::int64_t elect(const std::string& who) {
    call("/v3/kv/deleterange", etcd::delete_request(leader_key));
    auto put = etcd::parse_header_only(call("/v3/kv/put", etcd::put_request(leader_key, who)).body,
                                       nullptr);
    EXPECT_TRUE(put);
    return put ? put->revision : 0;
  }

  std::optional<server::live_state> stored() {
    auto range = etcd::parse_range(call("/v3/kv/range", etcd::range_request(state_key, false)).body,
                                   nullptr);
    if (!range || range->kvs.empty()) {
      return std::nullopt;
    }
    return server::live_state::from_json(range->kvs[0].value);
  }

  /// Commits blue/green weights, fenced on `fence` (0: not fenced); the answer.
  server::change_result commit(std::uint32_t blue, std::int64_t fence) {
    server::change_origin origin{"rollout", "local", "", server::change_source::rollout};
    if (fence != 0) {
      origin.fence = server::commit_fence{leader_key, fence};
    }
    server::live_state next;
    next.weights = {{"blue", blue}, {"green", 100 - blue}};
    next.changed_by = "rollout";
    std::optional<server::change_result> answer;
    store_->commit(
        next, std::nullopt, {origin, "rollout_step", "{}", "{}"},
        [&](const server::change_result& result, const server::live_state&) { answer = result; });
    EXPECT_TRUE(run_io_until(
        io_, [&] { return answer.has_value(); }, 15s));
    return answer.value_or(server::change_result{0, "no answer"});
  }

  boost::asio::io_context io_{1};
  std::unique_ptr<etcd_cluster> cluster_;
  config settings_;
  std::shared_ptr<etcd::gateway_client> client_;
  std::unique_ptr<server::etcd_state_store> store_;
};

TEST_F(EtcdStateFenceTest, ALeadersChangeIsStoredWhileItsLeaderKeyStands) {
  const std::int64_t fence = elect("leader-a");
  auto result = commit(90, fence);
  EXPECT_EQ(result.status, 200) << result.error;
  auto state = stored();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->weights.at("blue"), 90u);
}

TEST_F(EtcdStateFenceTest, ADeposedLeadersChangeIsRefusedAndTheSuccessorsWeightsStay) {
  const std::int64_t old_fence = elect("leader-a");
  ASSERT_EQ(commit(90, old_fence).status, 200);

  // A successor is elected and shifts weight; leader-a has not noticed yet.
  const std::int64_t new_fence = elect("leader-b");
  server::live_state successors = *stored();
  successors.version += 1;
  successors.weights = {{"blue", 50}, {"green", 50}};
  successors.changed_by = "rollout";
  call("/v3/kv/put", etcd::put_request(state_key, successors.to_json()));

  // Unfenced, this change would be rebased on the successor's state and win.
  auto refused = commit(80, old_fence);
  EXPECT_EQ(refused.status, 409) << refused.error;
  EXPECT_TRUE(refused.fenced_out);
  EXPECT_NE(refused.error.find("no longer leads the rollout"), std::string::npos) << refused.error;
  auto state = stored();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->weights.at("blue"), 50u);
  EXPECT_EQ(state->version, successors.version);

  // The successor's own fence holds.
  auto accepted = commit(40, new_fence);
  EXPECT_EQ(accepted.status, 200) << accepted.error;
  EXPECT_EQ(stored()->weights.at("blue"), 40u);
}

TEST_F(EtcdStateFenceTest, AChangeFencedOnALeaderKeyThatIsGoneIsRefused) {
  const std::int64_t fence = elect("leader-a");
  call("/v3/kv/deleterange", etcd::delete_request(leader_key));  // its lease ran out
  auto refused = commit(70, fence);
  EXPECT_EQ(refused.status, 409) << refused.error;
  auto state = stored();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->weights.at("blue"), 100u);  // the first state, stored by load()
}

TEST_F(EtcdStateFenceTest, AnUnfencedChangeIsRebasedOnAConcurrentOne) {
  // The rule the fence makes an exception to: the last change wins.
  call("/v3/kv/put", etcd::put_request(state_key, [&] {
         server::live_state other = *stored();
         other.version += 1;
         other.weights = {{"blue", 50}, {"green", 50}};
         return other.to_json();
       }()));
  auto result = commit(80, 0);
  EXPECT_EQ(result.status, 200) << result.error;
  EXPECT_FALSE(result.fenced_out);
  EXPECT_EQ(stored()->weights.at("blue"), 80u);
}

}  // namespace
}  // namespace quikedge::test
