// The control plane without workers or sockets: changes validated, committed
// through the store with If-Match, applied before observers hear of them.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>

#include "quikedge/config_loader.hpp"
#include "server/control_plane.hpp"
#include "server/file_state_store.hpp"
#include "unit/server/two_stack_config.hpp"

namespace quikedge::server {
namespace {

struct checking_observer : state_observer {
  const control_plane* control = nullptr;
  std::vector<std::string> actions;
  std::vector<weight_map> applied;  ///< the control plane's weights when told
  void on_state_committed(const live_state& state, const change_record& change) override {
    actions.push_back(change.action);
    applied.push_back(control->weights());
    EXPECT_EQ(state.version, control->version());
  }
};

class ControlPlane : public ::testing::Test {
 protected:
  ControlPlane() : control(io, std::make_shared<const config>(test::two_stacks()), store) {
    observer.control = &control;
    store.subscribe(observer);
  }

  change_result set(const weight_map& weights, std::optional<std::uint64_t> expected = {}) {
    change_result out{0, "not answered"};
    control.set_weights(weights, expected, {"ops", "local", ""}, "set_weights",
                        [&](change_result r) { out = r; });
    return out;
  }

  boost::asio::io_context io;
  file_state_store store{""};
  control_plane control;
  checking_observer observer;
};

TEST_F(ControlPlane, StartsFromTheConfigFile) {
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 90}, {"green", 10}}));
  EXPECT_EQ(control.version(), 1U);
  EXPECT_EQ(control.changed_by(), "config");
  EXPECT_EQ(control.rollback_target(), std::nullopt);
}

TEST_F(ControlPlane, ChangeIsAppliedBeforeObserversHearOfIt) {
  EXPECT_EQ(set({{"blue", 50}, {"green", 50}}).error, "");
  EXPECT_EQ(control.version(), 2U);
  EXPECT_EQ(store.version(), 2U);
  EXPECT_EQ(control.changed_by(), "ops");
  ASSERT_EQ(observer.applied.size(), 1U);
  EXPECT_EQ(observer.applied[0], (weight_map{{"blue", 50}, {"green", 50}}));
  EXPECT_EQ(control.table().version(), 2U);  // published (no workers to wait for)
}

TEST_F(ControlPlane, InvalidWeightsAndStaleVersionsChangeNothing) {
  auto bad = set({{"blue", 0}, {"green", 0}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error, "all weights are zero");
  EXPECT_EQ(set({{"blue", 1}, {"green", 1}}, 1).error, "");
  auto stale = set({{"blue", 2}, {"green", 1}}, 1);
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.error, "version is 2, not 1");
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 1}, {"green", 1}}));
  EXPECT_EQ(observer.actions.size(), 1U);
}

TEST_F(ControlPlane, RollbackGoesToTheStackThatHeldAllWeight) {
  change_result out;
  control.rollback(std::nullopt, {"ops", "local", ""}, [&](change_result r) { out = r; });
  EXPECT_EQ(out.status, 409);  // 90/10 from the start: no such stack
  EXPECT_EQ(set({{"blue", 100}, {"green", 0}}).error, "");
  EXPECT_EQ(set({{"blue", 50}, {"green", 50}}).error, "");
  EXPECT_EQ(control.rollback_target(), "blue");
  control.rollback(std::nullopt, {"ops", "local", ""}, [&](change_result r) { out = r; });
  EXPECT_EQ(out.error, "");
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 100}, {"green", 0}}));
  EXPECT_EQ(observer.actions.back(), "rollback");
  control.rollback(std::string("red"), {"ops", "local", ""}, [&](change_result r) { out = r; });
  EXPECT_EQ(out.status, 400);
}

TEST_F(ControlPlane, WeightToZeroStartsADrainThatIsExported) {
  EXPECT_EQ(set({{"blue", 100}, {"green", 0}}).error, "");
  auto state = control.export_state();
  ASSERT_EQ(state.drains_left.count("green"), 1U);
  EXPECT_GT(state.drains_left.at("green"), std::chrono::seconds(29));
  EXPECT_EQ(state.version, 2U);
  EXPECT_EQ(state.stable_stack, std::nullopt);  // 90/10 before: no sole stack
}

TEST_F(ControlPlane, ImportedStateWinsUnlessTheFileChanged) {
  live_state handed = control.export_state();
  handed.version = 9;
  handed.weights = {{"blue", 0}, {"green", 100}};
  handed.changed_by = "ops";
  control.import_state(handed);
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 0}, {"green", 100}}));
  EXPECT_EQ(control.version(), 9U);
  EXPECT_EQ(store.version(), 9U);  // the next If-Match is checked against it
  handed.file_weights = {{"blue", 1}, {"green", 1}};
  control.import_state(handed);
  EXPECT_EQ(control.version(), 10U);      // the file's weights are the last change
  EXPECT_TRUE(observer.actions.empty());  // imports are not changes
}

}  // namespace
}  // namespace quikedge::server

namespace quikedge::server {
namespace {

/// A store shared with other replicas: changes committed elsewhere reach the
/// control plane as commits it did not ask for.
class shared_store final : public state_store {
 public:
  std::string_view backend() const override { return "shared"; }
  load_result load() override { return {}; }
  void adopt(const live_state& state) override { version_ = state.version; }
  void commit(live_state next, std::optional<std::uint64_t> expected, const change_record& change,
              commit_fn done) override {
    if (!up_) {
      done({503, "state store unavailable: test"}, next);
      return;
    }
    if (expected && *expected != version_) {
      done({409, "version is " + std::to_string(version_)}, next);
      return;
    }
    next.version = ++version_;
    notify(next, change);
    done({200, ""}, next);
  }
  std::uint64_t version() const override { return version_; }
  bool available() const override { return up_; }

  void committed_elsewhere(live_state state) {
    state.version = ++version_;
    notify(state, {{"other-replica", "10.0.0.2:9901", ""}, "set_weights", "{}", "{}"});
  }
  bool up_ = true;

 private:
  std::uint64_t version_ = 1;
};

TEST(ControlPlaneSharedStore, AppliesChangesCommittedElsewhere) {
  boost::asio::io_context io;
  shared_store store;
  control_plane control(io, std::make_shared<const config>(test::two_stacks()), store);
  live_state state = control.export_state();
  state.weights = {{"blue", 0}, {"green", 100}};
  state.changed_by = "other-replica";
  store.committed_elsewhere(state);
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 0}, {"green", 100}}));
  EXPECT_EQ(control.version(), 2U);
  EXPECT_EQ(control.changed_by(), "other-replica");
  EXPECT_EQ(control.table().stacks()[1].weight, 100U);  // published to the workers
}

TEST(ControlPlaneSharedStore, ChangesFromElsewhereThatLeaveNoStackHereAnyWeightAreNotApplied) {
  // Another replica with another config, or anyone who can write to etcd: a
  // stored state that would make this replica answer 503 to everything.
  boost::asio::io_context io;
  shared_store store;
  control_plane control(io, std::make_shared<const config>(test::two_stacks()), store);
  for (const weight_map& weights :
       {weight_map{{"blue", 0}, {"green", 0}}, weight_map{{"purple", 5}}, weight_map{}}) {
    live_state state = control.export_state();
    state.weights = weights;
    state.stable_stack = "purple";
    store.committed_elsewhere(state);
    EXPECT_EQ(control.weights(), (weight_map{{"blue", 90}, {"green", 10}}));
    EXPECT_EQ(control.version(), 1U);
  }
}

TEST(ControlPlaneSharedStore, ChangesFromElsewhereAreFittedToTheStacksConfiguredHere) {
  boost::asio::io_context io;
  shared_store store;
  control_plane control(io, std::make_shared<const config>(test::two_stacks()), store);
  live_state state = control.export_state();
  state.weights = {{"blue", 10}, {"purple", 90}};  // green unnamed, purple unknown here
  state.stable_stack = "purple";
  store.committed_elsewhere(state);
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 10}, {"green", 0}}));
  EXPECT_EQ(control.version(), 2U);
  EXPECT_NE(control.rollback_target(), std::optional<std::string>("purple"));
}

TEST(ControlPlaneSharedStore, AStoreThatCannotConfirmChangesNothing) {
  boost::asio::io_context io;
  shared_store store;
  control_plane control(io, std::make_shared<const config>(test::two_stacks()), store);
  store.up_ = false;
  change_result out;
  control.set_weights({{"blue", 1}, {"green", 1}}, std::nullopt, {"ops", "local", ""},
                      "set_weights", [&](change_result r) { out = r; });
  EXPECT_EQ(out.status, 503);
  EXPECT_EQ(out.error, "state store unavailable: test");
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 90}, {"green", 10}}));
  EXPECT_EQ(control.version(), 1U);
}

/// A store that answers later, in order, as a remote one does.
class deferred_store final : public state_store {
 public:
  std::string_view backend() const override { return "deferred"; }
  load_result load() override { return {}; }
  void adopt(const live_state& state) override { version_ = state.version; }
  void commit(live_state next, std::optional<std::uint64_t>, const change_record& change,
              commit_fn done) override {
    waiting_.push_back({std::move(next), change, std::move(done)});
  }
  std::uint64_t version() const override { return version_; }
  bool available() const override { return true; }

  [[nodiscard]] std::size_t commits_waiting() const { return waiting_.size(); }

  /// Answers the oldest commit: stored (notify, then done) or refused with 503.
  void answer_oldest(bool store) {
    auto call = std::move(waiting_.front());
    waiting_.erase(waiting_.begin());
    if (!store) {
      call.done({503, "state store unavailable: test"}, call.next);
      return;
    }
    call.next.version = ++version_;
    notify(call.next, call.change);
    call.done({200, ""}, call.next);
  }

 private:
  struct waiting {
    live_state next;
    change_record change;
    commit_fn done;
  };
  std::vector<waiting> waiting_;
  std::uint64_t version_ = 1;
};

TEST(ControlPlaneSharedStore, ChangesInFlightTogetherAreAppliedInTheOrderStored) {
  boost::asio::io_context io;
  deferred_store store;
  control_plane control(io, std::make_shared<const config>(test::two_stacks()), store);
  std::vector<int> statuses;
  control.set_weights({{"blue", 0}, {"green", 100}}, std::nullopt, {"ops", "local", ""},
                      "set_weights", [&](change_result r) { statuses.push_back(r.status); });
  control.set_weights({{"blue", 30}, {"green", 70}}, std::nullopt, {"ops", "local", ""},
                      "set_weights", [&](change_result r) { statuses.push_back(r.status); });
  control.set_weights({{"blue", 60}, {"green", 40}}, std::nullopt, {"ops", "local", ""},
                      "set_weights", [&](change_result r) { statuses.push_back(r.status); });
  store.answer_oldest(true);
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 0}, {"green", 100}}));
  store.answer_oldest(false);  // refused: the second change leaves no trace
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 0}, {"green", 100}}));
  store.answer_oldest(true);
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 60}, {"green", 40}}));
  EXPECT_EQ(control.version(), 3U);
  io.run();  // the workers' acks (none run here) and timers
  EXPECT_EQ(statuses.size(), 3U);
}

TEST(ControlPlaneSharedStore, AReloadWaitsForTheChangesInFlightInsteadOfUndoingThem) {
  // A reload plans from the weights in use; planned while a weight change was
  // still being stored, it committed the old weights right after the new ones.
  test::temp_folder folder("qe-reload-race");
  const auto file = folder.file("quikedge.yaml");
  std::ofstream(file) << "environment: test\nworkers: 1\n"
                         "listeners: [{ name: http, address: \"127.0.0.1:0\" }]\n"
                         "stacks:\n  blue: { endpoints: [\"127.0.0.1:1\"] }\n"
                         "  green: { endpoints: [\"127.0.0.1:2\"] }\n"
                         "routing:\n  weights: { blue: 90, green: 10 }\n";
  auto loaded = load_config_file(file);
  ASSERT_TRUE(loaded.errors.empty());
  boost::asio::io_context io;
  deferred_store store;
  control_plane control(io, std::make_shared<const config>(std::move(*loaded.value)), store);
  std::vector<int> statuses;
  control.set_weights({{"blue", 0}, {"green", 100}}, std::nullopt, {"ops", "local", ""},
                      "set_weights", [&](change_result r) { statuses.push_back(r.status); });
  control.reload({"ops", "local", ""}, [&](change_result r) { statuses.push_back(r.status); });
  EXPECT_EQ(store.commits_waiting(), 1U) << "the reload waits for the change in flight";
  store.answer_oldest(true);
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 0}, {"green", 100}}));
  io.poll();  // the reload runs now, on the weights just stored
  ASSERT_EQ(store.commits_waiting(), 1U);
  store.answer_oldest(true);
  // The file's weights did not change: the API's change stays (last change wins).
  EXPECT_EQ(control.weights(), (weight_map{{"blue", 0}, {"green", 100}}));
  io.poll();  // the acks; not run(): blue's drain timer would hold it 30 s
  EXPECT_EQ(statuses, (std::vector<int>{200, 200}));
}

}  // namespace
}  // namespace quikedge::server
