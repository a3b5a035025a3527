// The process log: level from the config, QUIKEDGE_LOG_LEVEL winning when it
// names a level, and one line per write on stderr.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "util/log.hpp"

namespace quikedge::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ::unsetenv("QUIKEDGE_LOG_LEVEL");
    init(log_level::warn);
  }
};

TEST_F(LogTest, ConfiguredLevelFilters) {
  ::unsetenv("QUIKEDGE_LOG_LEVEL");
  init(log_level::warn);
  EXPECT_FALSE(enabled(log_level::debug));
  EXPECT_FALSE(enabled(log_level::info));
  EXPECT_TRUE(enabled(log_level::warn));
  EXPECT_TRUE(enabled(log_level::error));
}

TEST_F(LogTest, EnvironmentWins) {
  ::setenv("QUIKEDGE_LOG_LEVEL", "debug", 1);
  init(log_level::error);
  EXPECT_TRUE(enabled(log_level::debug));
}

TEST_F(LogTest, UnknownEnvironmentValueKeepsTheConfiguredLevel) {
  ::setenv("QUIKEDGE_LOG_LEVEL", "verbose", 1);
  init(log_level::error);
  EXPECT_FALSE(enabled(log_level::warn));
  EXPECT_TRUE(enabled(log_level::error));
}

TEST_F(LogTest, WritesOneLineWithTheLevel) {
  ::unsetenv("QUIKEDGE_LOG_LEVEL");
  init(log_level::info);
  ::testing::internal::CaptureStderr();
  info("listening on 127.0.0.1:8080");
  debug("not shown");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "quikedge: info: listening on 127.0.0.1:8080\n");
}

TEST_F(LogTest, ControlCharactersCannotForgeALine) {
  // An actor or a value read from etcd with CR LF in it stays on its own line.
  ::unsetenv("QUIKEDGE_LOG_LEVEL");
  init(log_level::info);
  ::testing::internal::CaptureStderr();
  info("set_weights by x\r\nquikedge: error: FAKE\x7f\t");
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "quikedge: info: set_weights by x\\x0d\\x0aquikedge: error: FAKE\\x7f\\x09\n");
}

}  // namespace
}  // namespace quikedge::log
