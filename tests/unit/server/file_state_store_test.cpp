// The file backend of the state store: round trip, compare-and-swap on the
// version, observers, and a corrupt file that changes nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "server/file_state_store.hpp"
#include "unit/server/two_stack_config.hpp"

namespace quikedge::server {
namespace {

using namespace std::chrono_literals;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

live_state state_with(weight_map weights) {
  live_state state;
  state.weights = weights;
  state.file_weights = {{"blue", 90}, {"green", 10}};
  state.changed_at = std::chrono::system_clock::now();
  state.changed_by = "ops";
  return state;
}

struct recording_observer : state_observer {
  std::vector<std::pair<std::uint64_t, std::string>> seen;
  void on_state_committed(const live_state& state, const change_record& change) override {
    seen.emplace_back(state.version, change.action);
  }
};

change_record record(const std::string& action) {
  return {{"ops", "127.0.0.1:1", "test"}, action, "{}", "{}"};
}

TEST(FileStateStore, PathDefaultsBesideTheConfigFile) {
  config cfg = test::two_stacks();
  EXPECT_EQ(file_state_store::path_for(cfg), "");  // built-in config: not persisted
  cfg.source_file = "/etc/quikedge/quikedge.yaml";
  EXPECT_EQ(file_state_store::path_for(cfg), "/etc/quikedge/quikedge.state.json");
  cfg.rollout.state_file = "/var/lib/quikedge/rollout.json";  // names the same file
  EXPECT_EQ(file_state_store::path_for(cfg), "/var/lib/quikedge/rollout.json");
  cfg.state.file = "/var/lib/quikedge/state.json";
  EXPECT_EQ(file_state_store::path_for(cfg), "/var/lib/quikedge/state.json");
}

TEST(FileStateStore, TheRolloutLivesInTheSameFileAndSurvivesStateChanges) {
  test::temp_folder folder("qe-store-rollout");
  const auto path = folder.file("state.json");
  {
    file_state_store store(path);
    store.save_rollout(state_with({{"blue", 90}, {"green", 10}}),
                       R"({"format":1,"state":"progressing","plan":{}})");
    // A later weight change keeps the rollout beside the new state.
    store.commit(state_with({{"blue", 50}, {"green", 50}}), std::nullopt, record("set_weights"),
                 [](const change_result&, const live_state&) {});
  }
  const auto text = read_text(path);
  EXPECT_NE(text.find(R"("rollout":{"format":1,"state":"progressing")"), std::string::npos) << text;
  file_state_store reopened(path);
  auto loaded = reopened.load();
  ASSERT_TRUE(loaded.state) << loaded.error;
  EXPECT_EQ(loaded.state->weights, (weight_map{{"blue", 50}, {"green", 50}}));
  std::string error;
  auto rollout = reopened.read_rollout(error);
  ASSERT_TRUE(rollout) << error;
  EXPECT_EQ(*rollout, R"({"format":1,"state":"progressing","plan":{}})");
}

TEST(FileStateStore, ABareRolloutFileFromBeforeIsReadAsTheRollout) {
  test::temp_folder folder("qe-store-legacy");
  const auto path = folder.file("rollout.json");
  const std::string legacy =
      R"({"format":1,"state":"paused","from":"blue","to":"green","step":0,"weight":10,)"
      R"("plan":{"steps":[{"weight":10,"pause":"1m"},{"weight":100}]}})";
  std::ofstream(path) << legacy;
  file_state_store store(path);
  auto loaded = store.load();
  EXPECT_FALSE(loaded.state);  // no weights kept in it yet: the config file's apply
  std::string error;
  auto rollout = store.read_rollout(error);
  ASSERT_TRUE(rollout) << error;
  EXPECT_EQ(*rollout, legacy);
}

TEST(FileStateStore, NoFileIsNothingStoredAndNoError) {
  test::temp_folder folder("qe-store-none");
  file_state_store store(folder.file("state.json"));
  auto loaded = store.load();
  EXPECT_FALSE(loaded.state);
  EXPECT_EQ(loaded.error, "");
  EXPECT_EQ(store.backend(), "file");
  EXPECT_TRUE(store.available());
}

TEST(FileStateStore, CommitIsReadBackByTheNextProcess) {
  test::temp_folder folder("qe-store-trip");
  const auto path = folder.file("state.json");
  {
    file_state_store store(path);
    auto next = state_with({{"blue", 0}, {"green", 100}});
    next.stable_stack = "blue";
    next.drains_left["blue"] = 60s;
    bool answered = false;
    store.commit(next, std::nullopt, record("set_weights"),
                 [&](const change_result& result, const live_state& committed) {
                   answered = true;
                   EXPECT_EQ(result.error, "");
                   EXPECT_EQ(committed.version, 2U);
                 });
    EXPECT_TRUE(answered);
    EXPECT_EQ(store.version(), 2U);
  }
  file_state_store reopened(path);
  auto loaded = reopened.load();
  ASSERT_TRUE(loaded.state) << loaded.error;
  EXPECT_EQ(loaded.state->version, 2U);
  EXPECT_EQ(loaded.state->weights, (weight_map{{"blue", 0}, {"green", 100}}));
  EXPECT_EQ(loaded.state->file_weights, (weight_map{{"blue", 90}, {"green", 10}}));
  EXPECT_EQ(loaded.state->changed_by, "ops");
  EXPECT_EQ(loaded.state->stable_stack, "blue");
  ASSERT_EQ(loaded.state->drains_left.count("blue"), 1U);
  // Shortened by the time since the save, never lengthened.
  EXPECT_LE(loaded.state->drains_left.at("blue"), 60s);
  EXPECT_GT(loaded.state->drains_left.at("blue"), 50s);
}

TEST(FileStateStore, StaleExpectedVersionIsAConflictThatChangesNothing) {
  test::temp_folder folder("qe-store-cas");
  const auto path = folder.file("state.json");
  file_state_store store(path);
  recording_observer observer;
  store.subscribe(observer);
  store.commit(state_with({{"blue", 50}, {"green", 50}}), 1, record("set_weights"),
               [](const change_result& result, const live_state&) { EXPECT_EQ(result.error, ""); });
  ASSERT_EQ(store.version(), 2U);
  const std::string on_disk = read_text(path);

  change_result refused;
  store.commit(state_with({{"blue", 0}, {"green", 100}}), 1, record("set_weights"),
               [&](const change_result& result, const live_state&) { refused = result; });
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.error, "version is 2, not 1");
  EXPECT_EQ(store.version(), 2U);
  EXPECT_EQ(read_text(path), on_disk);
  ASSERT_EQ(observer.seen.size(), 1U);  // the refused change was never announced
  EXPECT_EQ(observer.seen[0], (std::pair<std::uint64_t, std::string>{2, "set_weights"}));

  change_result matched;
  store.commit(state_with({{"blue", 0}, {"green", 100}}), 2, record("rollback"),
               [&](const change_result& result, const live_state&) { matched = result; });
  EXPECT_EQ(matched.error, "");
  EXPECT_EQ(store.version(), 3U);
  EXPECT_EQ(observer.seen.back(), (std::pair<std::uint64_t, std::string>{3, "rollback"}));
}

TEST(FileStateStore, AdoptedVersionIsTheBaseOfTheNextCommit) {
  file_state_store store("");  // in memory only
  live_state handed = state_with({{"blue", 1}, {"green", 1}});
  handed.version = 41;
  store.adopt(handed);
  EXPECT_EQ(store.version(), 41U);
  std::uint64_t committed_version = 0;
  store.commit(state_with({{"blue", 2}, {"green", 1}}), 41, record("set_weights"),
               [&](const change_result&, const live_state& committed) {
                 committed_version = committed.version;
               });
  EXPECT_EQ(committed_version, 42U);
}

TEST(FileStateStore, CorruptFileIsAClearErrorAndStaysUntouched) {
  test::temp_folder folder("qe-store-corrupt");
  const auto path = folder.file("state.json");
  // A well-formed document with a value out of range is as unusable as garbage:
  // a negative or fractional version used to throw out of the loader, and a
  // proxy holding such a file could not start at all.
  const std::string weights = R"("weights":{"blue":1},"file_weights":{"blue":1},"changed_by":"x")";
  for (const std::string& text :
       {std::string("{\"version\": 3, \"weig"), std::string("[1,2,3]"),
        std::string(R"({"version":3,"weights":{"blue":-1}})"),
        R"({"version":-1,"changed_at_ms":1,)" + weights + "}",
        R"({"version":1.5,"changed_at_ms":1,)" + weights + "}",
        R"({"version":"7","changed_at_ms":1,)" + weights + "}",
        R"({"version":3,"changed_at_ms":-5,)" + weights + "}",
        R"({"version":3,"changed_at_ms":9223372036854775807,)" + weights + "}",
        R"({"version":3,"changed_at_ms":1e300,)" + weights + "}"}) {
    std::ofstream(path) << text;
    file_state_store store(path);
    auto loaded = store.load();
    EXPECT_FALSE(loaded.state) << text;
    EXPECT_EQ(loaded.error, "state file " + path + " is not a state document") << text;
    EXPECT_EQ(store.version(), 1U);
    EXPECT_EQ(read_text(path), text);
  }
}

TEST(FileStateStore, UnwritableFolderKeepsTheChange) {
  file_state_store store("/proc/quikedge-no-such-folder/state.json");
  change_result result{0, "unset"};
  store.commit(state_with({{"blue", 1}, {"green", 0}}), std::nullopt, record("set_weights"),
               [&](const change_result& r, const live_state&) { result = r; });
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(store.version(), 2U);
}

}  // namespace
}  // namespace quikedge::server
