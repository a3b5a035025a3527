// quikedge's etcd client (proxy/etcd) against a real 3-member etcd cluster on
// loopback: reads and writes through different members, compare-and-put, watches
// that see other members' writes and resume after their member dies, compacted
// revisions, leases that expire, and calls that fail over when a member or the
// raft leader is killed.
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etcd/etcd_messages.hpp"
#include "etcd/gateway_client.hpp"
#include "etcd/watch_stream.hpp"
#include "support/etcd_cluster.hpp"
#include "support/eventually.hpp"
#include "support/gateway_calls.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;
using etcd::gateway_client;

using answer = gateway_answer;

class EtcdClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!etcd_available()) {
      GTEST_SKIP() << "etcd-server is not installed (scripts/install-deps.sh installs it)";
    }
    cluster_ = std::make_unique<etcd_cluster>(3);
  }

  std::shared_ptr<gateway_client> client_for(std::vector<address> members,
                                             std::chrono::milliseconds timeout = 1000ms) {
    return std::make_shared<gateway_client>(io_, nullptr, std::move(members), timeout);
  }

  std::shared_ptr<gateway_client> client_on(int member) {
    return client_for({cluster_->endpoints()[member]});
  }

  /// Kills members 0 and 1 (quorum lost) and waits until member 2 reports no
  /// leader (the gateway omits a leader of 0).
  testing::AssertionResult leave_member_2_without_a_leader() {
    cluster_->kill(0);
    cluster_->kill(1);
    return eventually(
        [&] {
          auto status = cluster_->post(2, "/v3/maintenance/status", "{}");
          return status.find("\"member_id\"") != std::string::npos &&
                 status.find("\"leader\"") == std::string::npos;
        },
        15s, "member 2 noticing it has no leader");
  }

  /// Runs the loop until `done` or 15 s; false on the deadline.
  bool run_until(const std::function<bool()>& done) { return run_io_until(io_, done, 15s); }

  answer call(gateway_client& client, const std::string& path, const std::string& body) {
    return call_and_wait(io_, client, path, body, 15s);
  }

  std::int64_t put(gateway_client& client, const std::string& key, const std::string& value) {
    auto a = call(client, "/v3/kv/put", etcd::put_request(key, value));
    EXPECT_EQ(a.status, 200u) << a.body << a.ec.message();
    auto header = etcd::parse_header_only(a.body, nullptr);
    return header ? header->revision : 0;
  }

  std::optional<std::string> get(gateway_client& client, const std::string& key) {
    auto a = call(client, "/v3/kv/range", etcd::range_request(key, false));
    auto range = etcd::parse_range(a.body, nullptr);
    if (!range || range->kvs.empty()) {
      return std::nullopt;
    }
    return range->kvs[0].value;
  }

  boost::asio::io_context io_{1};
  std::unique_ptr<etcd_cluster> cluster_;
};

TEST_F(EtcdClientTest, WriteOnOneMemberIsReadOnAnother) {
  auto writer = client_on(0);
  auto reader = client_on(2);
  put(*writer, "/quikedge/test/weights", R"({"blue":0,"green":100})");
  EXPECT_EQ(get(*reader, "/quikedge/test/weights"), R"({"blue":0,"green":100})");
  EXPECT_EQ(get(*reader, "/quikedge/test/absent"), std::nullopt);
}

TEST_F(EtcdClientTest, CompareAndPutOnTheModRevision) {
  auto client = client_on(1);
  const std::string key = "/quikedge/test/state";
  auto first = call(*client, "/v3/kv/txn", etcd::compare_and_put_request(key, "v1", 0));
  auto created = etcd::parse_txn(first.body, nullptr);
  ASSERT_TRUE(created) << first.body;
  EXPECT_TRUE(created->succeeded);

  // Expecting "absent" again: refused, and the answer carries what is there now.
  auto again = etcd::parse_txn(
      call(*client, "/v3/kv/txn", etcd::compare_and_put_request(key, "v2", 0)).body, nullptr);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->succeeded);
  ASSERT_EQ(again->current.size(), 1u);
  EXPECT_EQ(again->current[0].value, "v1");
  EXPECT_EQ(again->current[0].mod_revision, created->header.revision);

  auto update =
      etcd::parse_txn(call(*client, "/v3/kv/txn",
                           etcd::compare_and_put_request(key, "v2", again->current[0].mod_revision))
                          .body,
                      nullptr);
  ASSERT_TRUE(update);
  EXPECT_TRUE(update->succeeded);
  EXPECT_EQ(get(*client_on(2), key), "v2");
}

TEST_F(EtcdClientTest, WatchSeesWritesThroughOtherMembersInOrder) {
  std::vector<etcd::watch_event> events;
  bool created = false;
  auto watch = std::make_shared<etcd::watch_stream>(
      io_, nullptr, cluster_->endpoints()[1], "/quikedge/w/", true,
      etcd::watch_stream::handlers{
          [&](const etcd::watch_message& m) {
            created = created || m.created;
            events.insert(events.end(), m.events.begin(), m.events.end());
          },
          [&](const std::string& why) { ADD_FAILURE() << "watch broke: " << why; }});
  watch->start(0, 2000ms);
  ASSERT_TRUE(run_until([&] { return created; }));
  auto writer = client_on(2);
  for (int i = 0; i < 5; ++i) {
    put(*writer, "/quikedge/w/k" + std::to_string(i), "v" + std::to_string(i));
  }
  put(*writer, "/quikedge/other", "not watched");
  call(*writer, "/v3/kv/deleterange", etcd::delete_request("/quikedge/w/k0"));
  ASSERT_TRUE(run_until([&] { return events.size() == 6; })) << events.size();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(events[i].kv.key, "/quikedge/w/k" + std::to_string(i));
    EXPECT_EQ(events[i].kv.value, "v" + std::to_string(i));
    if (i > 0) {
      EXPECT_GT(events[i].kv.mod_revision, events[i - 1].kv.mod_revision);
    }
  }
  EXPECT_EQ(events[5].type, etcd::watch_event::kind::remove);
  EXPECT_EQ(events[5].kv.key, "/quikedge/w/k0");
  watch->stop();
}

TEST_F(EtcdClientTest, WatchResumesOnAnotherMemberFromTheLastRevision) {
  std::vector<etcd::watch_event> events;
  std::optional<std::string> broke;
  bool created = false;
  etcd::watch_stream::handlers h{[&](const etcd::watch_message& m) {
                                   created = created || m.created;
                                   events.insert(events.end(), m.events.begin(), m.events.end());
                                 },
                                 [&](const std::string& why) { broke = why; }};
  auto first =
      std::make_shared<etcd::watch_stream>(io_, nullptr, cluster_->endpoints()[0], "/q/", true, h);
  first->start(0, 2000ms);
  ASSERT_TRUE(run_until([&] { return created; }));
  auto writer = client_for({cluster_->endpoints()[1], cluster_->endpoints()[2]});
  put(*writer, "/q/a", "1");
  ASSERT_TRUE(run_until([&] { return events.size() == 1; }));
  std::int64_t seen = events.back().kv.mod_revision;

  cluster_->kill(0);
  ASSERT_TRUE(run_until([&] { return broke.has_value(); }));
  put(*writer, "/q/b", "2");  // written while nobody watches
  put(*writer, "/q/c", "3");

  auto resumed =
      std::make_shared<etcd::watch_stream>(io_, nullptr, cluster_->endpoints()[1], "/q/", true, h);
  resumed->start(seen + 1, 2000ms);
  ASSERT_TRUE(run_until([&] { return events.size() == 3; })) << events.size();
  EXPECT_EQ(events[1].kv.key, "/q/b");
  EXPECT_EQ(events[2].kv.key, "/q/c");
  resumed->stop();
}

TEST_F(EtcdClientTest, CompactedStartRevisionIsReported) {
  auto client = client_on(0);
  std::int64_t revision = 0;
  for (int i = 0; i < 4; ++i) {
    revision = put(*client, "/c/k", std::to_string(i));
  }
  auto compacted = call(*client, "/v3/kv/compaction",
                        R"({"revision":")" + std::to_string(revision) + R"(","physical":true})");
  ASSERT_EQ(compacted.status, 200u) << compacted.body;
  std::optional<std::string> broke;
  std::int64_t compact_revision = 0;
  auto watch = std::make_shared<etcd::watch_stream>(
      io_, nullptr, cluster_->endpoints()[0], "/c/", true,
      etcd::watch_stream::handlers{
          [&](const etcd::watch_message& m) { compact_revision = m.compact_revision; },
          [&](const std::string& why) { broke = why; }});
  watch->start(1, 2000ms);
  ASSERT_TRUE(run_until([&] { return broke.has_value(); }));
  EXPECT_EQ(compact_revision, revision);
  EXPECT_NE(broke->find("compacted"), std::string::npos) << *broke;
}

TEST_F(EtcdClientTest, KeyOnALeaseGoesWhenKeepAlivesStop) {
  auto client = client_on(0);
  auto granted = etcd::parse_lease(
      call(*client, "/v3/lease/grant", etcd::lease_grant_request(1)).body, nullptr);
  ASSERT_TRUE(granted);
  ASSERT_NE(granted->id, 0);
  auto a = call(*client, "/v3/kv/put", etcd::put_request("/r/replica-1", "alive", granted->id));
  ASSERT_EQ(a.status, 200u) << a.body;
  // Kept alive for three TTLs: still there.
  auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    auto kept = etcd::parse_lease(
        call(*client, "/v3/lease/keepalive", etcd::lease_id_request(granted->id)).body, nullptr);
    ASSERT_TRUE(kept);
    ASSERT_GT(kept->ttl, 0);
    io_.run_for(200ms);
    io_.restart();
  }
  EXPECT_EQ(get(*client, "/r/replica-1"), "alive");
  // No more keep-alives: etcd removes the key once the lease runs out.
  EXPECT_TRUE(run_until([&] { return !get(*client, "/r/replica-1").has_value(); }));
  auto late = etcd::parse_lease(
      call(*client, "/v3/lease/keepalive", etcd::lease_id_request(granted->id)).body, nullptr);
  ASSERT_TRUE(late);
  EXPECT_LE(late->ttl, 0);
}

TEST_F(EtcdClientTest, CallsMoveToTheNextMemberWhenOneDies) {
  // The member that dies is a follower, so the cluster keeps its leader and every
  // call after the kill must succeed at once on the next member. (Killing the raft
  // leader starts an election that can fail calls for a moment: the next test.)
  int leader = -1;
  ASSERT_TRUE(eventually([&] { return (leader = cluster_->leader()) >= 0; }, 10s));
  const int victim = (leader + 1) % 3;
  const int survivor = (leader + 2) % 3;
  auto members = cluster_->endpoints();
  auto client = client_for({members[victim], members[leader], members[survivor]});
  put(*client, "/f/k", "before");
  ASSERT_EQ(client->member_index(), 0u);
  cluster_->kill(victim);
  EXPECT_EQ(get(*client, "/f/k"), "before");
  EXPECT_NE(client->member_index(), 0u);
  put(*client, "/f/k", "after");
  EXPECT_EQ(get(*client_on(survivor), "/f/k"), "after");
}

TEST_F(EtcdClientTest, WritesSucceedWhileTheRaftLeaderIsKilled) {
  auto client = client_for(cluster_->endpoints());
  int leader = -1;
  ASSERT_TRUE(eventually([&] { return (leader = cluster_->leader()) >= 0; }, 10s));
  cluster_->kill(leader);
  // Each write may meet the election; the client moves on until a member takes it.
  int written = 0;
  for (int i = 0; i < 20; ++i) {
    auto a = call(*client, "/v3/kv/put", etcd::put_request("/l/k", std::to_string(i)));
    written += a.status == 200 ? 1 : 0;
  }
  EXPECT_GE(written, 18) << "writes lost to the election";
  EXPECT_TRUE(eventually([&] { return cluster_->leader() >= 0; }, 10s));
  EXPECT_EQ(get(*client, "/l/k"), "19");
}

TEST_F(EtcdClientTest, AMemberWithoutALeaderAnswersAtOnceInsteadOfHoldingTheCall) {
  // Quorum lost: the member left knows it has no leader. Without the leader
  // check etcd holds a write (and a linearizable read) for its own request
  // timeout, 7 s; each would cost the whole call timeout, during every election.
  auto client = client_for({cluster_->endpoints()[2]}, 10s);
  put(*client, "/n/k", "x");
  ASSERT_TRUE(leave_member_2_without_a_leader());
  for (const auto& [path, body] : {std::pair{"/v3/kv/put", etcd::put_request("/n/k", "y")},
                                   std::pair{"/v3/kv/range", etcd::range_request("/n/k", false)}}) {
    auto started = std::chrono::steady_clock::now();
    auto a = call(*client, path, body);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(a.ec, boost::asio::error::try_again) << path << ": " << a.ec.message();
    EXPECT_LT(took, 2s) << path << " held by a member without a leader";
  }
}

TEST_F(EtcdClientTest, EachReasonIsLoggedOnceWhileMembersTakeTurnsFailing) {
  // Two members dead, the third without a leader: every call tries them in turn
  // (refused, refused, no leader, ...). One line per reason until a call
  // succeeds, not one per attempt, or an election floods the log.
  auto client = client_for(cluster_->endpoints(), 10s);
  put(*client, "/f/k", "x");
  ASSERT_TRUE(leave_member_2_without_a_leader());
  testing::internal::CaptureStderr();
  for (int i = 0; i < 5; ++i) {
    auto a = call(*client, "/v3/kv/range", etcd::range_request("/f/k", false));
    EXPECT_TRUE(a.ec) << a.status << " " << a.body;
  }
  const std::string logged = testing::internal::GetCapturedStderr();
  std::size_t lines = 0;
  for (std::size_t at = logged.find("etcd: "); at != std::string::npos;
       at = logged.find("etcd: ", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 3u) << logged;  // two members refused, one without a leader
}

TEST_F(EtcdClientTest, EveryMemberDownFailsCallsWithinTheirTimeouts) {
  auto client = client_for(cluster_->endpoints(), 300ms);
  put(*client, "/d/k", "x");
  for (int i = 0; i < 3; ++i) {
    cluster_->kill(i);
  }
  auto started = std::chrono::steady_clock::now();
  auto a = call(*client, "/v3/kv/range", etcd::range_request("/d/k", false));
  EXPECT_TRUE(a.ec) << a.status << " " << a.body;
  EXPECT_EQ(a.status, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  cluster_->start({0, 1});
  EXPECT_TRUE(
      eventually([&] { return get(*client, "/d/k") == std::optional<std::string>("x"); }, 15s));
}

}  // namespace
}  // namespace quikedge::test
