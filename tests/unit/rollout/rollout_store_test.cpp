// The rollout state file: round trip, refusal of inconsistent documents, the
// pause left after a restart, and the atomic replacement on disk.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "rollout/rollout_store.hpp"

namespace quikedge::rollout {
namespace {

using namespace std::chrono_literals;

stored_rollout sample_rollout() {
  stored_rollout stored;
  stored.snapshot.state = rollout_state::progressing;
  stored.snapshot.from = "blue";
  stored.snapshot.to = "green";
  stored.snapshot.step = 1;
  stored.snapshot.weight = 50;
  stored.snapshot.plan.steps = {{10, 1s}, {50, 30s}, {100, 0ms}};
  stored.snapshot.plan.gates.window = 2s;
  stored.snapshot.plan.gates.max_error_rate = 0.001;
  stored.snapshot.reason = "gates passed";
  stored.snapshot.started_by = "ops";
  stored.saved_at_ms = 1'000'000;
  stored.next_step_at_ms = 1'020'000;
  stored.pause_left_ms = 20'000;
  return stored;
}

TEST(RolloutStore, RoundTrips) {
  std::string error;
  auto decoded = decode_rollout(encode_rollout(sample_rollout()), error);
  ASSERT_TRUE(decoded) << error;
  const auto& s = decoded->snapshot;
  EXPECT_EQ(s.state, rollout_state::progressing);
  EXPECT_EQ(s.from, "blue");
  EXPECT_EQ(s.to, "green");
  EXPECT_EQ(s.step, 1U);
  EXPECT_EQ(s.weight, 50U);
  EXPECT_EQ(s.plan.steps[1].pause, 30s);
  EXPECT_EQ(s.plan.gates.window, 2s);
  EXPECT_EQ(s.plan.gates.max_error_rate, 0.001);
  EXPECT_EQ(s.reason, "gates passed");
  EXPECT_EQ(s.started_by, "ops");
  EXPECT_EQ(decoded->next_step_at_ms, 1'020'000);
  EXPECT_EQ(decoded->pause_left_ms, 20'000);
}

TEST(RolloutStore, RefusesInconsistentDocuments) {
  std::string error;
  EXPECT_FALSE(decode_rollout("{", error));
  EXPECT_FALSE(decode_rollout(R"({"format":2})", error));
  auto text = encode_rollout(sample_rollout());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string copy = text;
    copy.replace(copy.find(from), from.size(), to);
    return copy;
  };
  EXPECT_FALSE(decode_rollout(replace("\"step\":1", "\"step\":3"), error));
  EXPECT_NE(error.find("out of range"), std::string::npos) << error;
  EXPECT_FALSE(decode_rollout(replace("\"progressing\"", "\"running\""), error));
  EXPECT_FALSE(decode_rollout(replace("\"weight\":100,", "\"weight\":90,"), error));
  EXPECT_NE(error.find("plan:"), std::string::npos) << error;
}

TEST(RolloutStore, ProgressingKeepsItsWallClockDeadline) {
  auto stored = sample_rollout();
  EXPECT_EQ(pause_left_on_resume(stored, 1'005'000), 15s);
  EXPECT_EQ(pause_left_on_resume(stored, 1'100'000), 0ms) << "down longer than the pause";
  EXPECT_EQ(pause_left_on_resume(stored, 900'000), 30s) << "never more than the whole pause";
}

TEST(RolloutStore, PausedKeepsItsFrozenRemainder) {
  auto stored = sample_rollout();
  stored.snapshot.state = rollout_state::paused;
  stored.next_step_at_ms.reset();
  stored.pause_left_ms = 12'345;
  EXPECT_EQ(pause_left_on_resume(stored, 9'999'999), 12345ms);
}

TEST(RolloutStore, ReplacesTheFileAtomically) {
  auto directory =
      std::filesystem::temp_directory_path() / ("quikedge-rollout-" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  const std::string path = (directory / "rollout.json").string();
  std::string text;
  std::string error;
  EXPECT_FALSE(read_whole_file(path, text, error));
  EXPECT_TRUE(error.empty()) << "a missing file is not an error";
  ASSERT_FALSE(write_file_atomically(path, "first\n"));
  ASSERT_FALSE(write_file_atomically(path, "second\n"));
  ASSERT_TRUE(read_whole_file(path, text, error)) << error;
  EXPECT_EQ(text, "second\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_TRUE(write_file_atomically((directory / "missing" / "x.json").string(), "x").has_value());
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace quikedge::rollout
