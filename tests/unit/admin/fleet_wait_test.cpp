// `?wait=fleet` through the admin router, on a fake shared store whose
// registrations the test moves: the answer is held until no live replica
// lags, refusals are never held, and the query is read strictly. The 504
// after the 5 s budget is covered by tests/integration/fleet_wait_test.cpp.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "admin/admin_router.hpp"
#include "admin/fleet_wait.hpp"
#include "unit/server/two_stack_config.hpp"

namespace quikedge::admin {
namespace {

/// A shared store in memory: commits at once; refresh_replicas() answers on
/// the next turn of the io_context with whatever `registered` holds then.
class fake_fleet_store final : public server::state_store {
 public:
  explicit fake_fleet_store(boost::asio::io_context& io) : io_(io) {}

  std::string_view backend() const override { return "etcd"; }
  server::load_result load() override { return {}; }
  void adopt(const server::live_state& state) override { version_ = state.version; }
  void commit(server::live_state next, std::optional<std::uint64_t> expected,
              const server::change_record& change, server::commit_fn done) override {
    if (expected && *expected != version_) {
      done({409, "version is " + std::to_string(version_)}, next);
      return;
    }
    next.version = ++version_;
    notify(next, change);
    done({200, ""}, next);
  }
  std::uint64_t version() const override { return version_; }
  bool available() const override { return true; }
  std::vector<server::replica_info> replicas() const override { return listed_; }
  void refresh_replicas(std::function<void(bool listed)> done) override {
    ++refreshes;
    boost::asio::post(io_, [this, done = std::move(done)] {
      listed_ = registered;
      done(true);
    });
  }

  std::vector<server::replica_info> registered;  ///< what the next listing reads
  int refreshes = 0;

 private:
  boost::asio::io_context& io_;
  std::uint64_t version_ = 1;
  std::vector<server::replica_info> listed_;
};

struct idle_rollouts final : rollout::rollout_control {
  rollout::rollout_state state() const override { return rollout::rollout_state::idle; }
  std::string status_json() const override { return R"({"state":"idle"})"; }
  std::string gate_metrics() const override { return ""; }
  void begin(const rollout::start_request&, const server::change_origin&,
             server::done_fn done) override {
    done({200, ""});
  }
  void act(rollout::rollout_action, const server::change_origin&, server::done_fn done) override {
    done({409, "no rollout"});
  }
};

class FleetWaitRouter : public ::testing::Test {
 protected:
  FleetWaitRouter()
      : store(io),
        control(io, std::make_shared<const config>(server::test::two_stacks()), store),
        view(control, rollouts),
        router({control, view, rollouts, io}) {}

  void send(http::verb method, const std::string& target, const std::string& body) {
    req = request{method, target, 11};
    req.set(http::field::host, "127.0.0.1:9901");  // tokenless: loopback names only
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    answered = false;
    router.dispatch(req, "127.0.0.1:1", [this](response res) {
      out = std::move(res);
      answered = true;
    });
  }

  /// Runs the io_context until the call is answered or `limit` passed.
  void run_until_answered(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!answered && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
  }

  static server::replica_info at(const std::string& id, std::uint64_t version) {
    server::replica_info r;
    r.id = id;
    r.applied_version = version;
    return r;
  }

  boost::asio::io_context io;
  fake_fleet_store store;
  server::control_plane control;
  idle_rollouts rollouts;
  server::state_view view;
  admin_router router;
  request req;
  response out;
  bool answered = false;
};

TEST_F(FleetWaitRouter, TheAnswerWaitsUntilNoLiveReplicaLags) {
  store.registered = {at("a", 1), at("b", 1)};
  send(http::verb::put, "/api/v1/weights?wait=fleet", R"({"weights":{"blue":1,"green":1}})");
  EXPECT_FALSE(answered);  // committed and applied here; the fleet has not caught up
  EXPECT_EQ(control.version(), 2U);
  run_until_answered(std::chrono::milliseconds(100));
  EXPECT_FALSE(answered);
  EXPECT_GE(store.refreshes, 2);  // polling, not waiting for a beat

  store.registered = {at("a", 2), at("b", 3)};  // b is even ahead: fine
  run_until_answered(std::chrono::milliseconds(1000));
  ASSERT_TRUE(answered);
  EXPECT_EQ(out.result(), http::status::ok);
  EXPECT_NE(out.body().find(R"("version":2)"), std::string::npos) << out.body();
}

TEST_F(FleetWaitRouter, WithoutWaitOrOnARefusalNothingIsHeld) {
  store.registered = {at("a", 1), at("b", 1)};
  send(http::verb::put, "/api/v1/weights", R"({"weights":{"blue":1,"green":1}})");
  EXPECT_TRUE(answered);
  EXPECT_EQ(out.result(), http::status::ok);
  send(http::verb::post, "/api/v1/rollout/pause?wait=fleet", "");
  EXPECT_TRUE(answered);
  EXPECT_EQ(out.result(), http::status::conflict);
  EXPECT_EQ(store.refreshes, 0);
}

TEST_F(FleetWaitRouter, AnUnknownWaitIsRefusedBeforeAnythingChanges) {
  send(http::verb::put, "/api/v1/weights?wait=everyone", R"({"weights":{"blue":1,"green":1}})");
  ASSERT_TRUE(answered);
  EXPECT_EQ(out.result(), http::status::bad_request);
  EXPECT_NE(out.body().find("wait=everyone is not known"), std::string::npos) << out.body();
  EXPECT_EQ(control.version(), 1U);
}

TEST(ParseWait, ReadsTheQueryStrictly) {
  std::string error;
  EXPECT_EQ(parse_wait("/api/v1/weights", error), wait_for::self);
  EXPECT_EQ(parse_wait("/api/v1/weights?", error), wait_for::self);
  EXPECT_EQ(parse_wait("/api/v1/weights?wait=fleet", error), wait_for::fleet);
  EXPECT_EQ(parse_wait("/api/v1/weights?x=1&wait=fleet&y", error), wait_for::fleet);
  EXPECT_EQ(parse_wait("/api/v1/weights?waiting=1", error), wait_for::self);
  EXPECT_TRUE(error.empty()) << error;
  for (const char* bad : {"/a?wait=", "/a?wait", "/a?wait=Fleet", "/a?wait=fleet&wait=all"}) {
    error.clear();
    EXPECT_EQ(parse_wait(bad, error), std::nullopt) << bad;
    EXPECT_NE(error.find("is not known"), std::string::npos) << bad << ": " << error;
  }
}

}  // namespace
}  // namespace quikedge::admin
