// The backend rule: auto picks io_uring only where it runs and is installed; a
// forced backend that cannot run is an error, never a silent fallback.
#include <gtest/gtest.h>

#include "server/io_backend_choice.hpp"

namespace quikedge::server {
namespace {

TEST(IoBackendChoice, AutoPicksIoUringWhereItRunsAndIsInstalled) {
  auto d = decide_backend(io_backend::automatic, true, "", true);
  EXPECT_EQ(d.use, io_backend::io_uring);
  EXPECT_EQ(d.error, "");
}

TEST(IoBackendChoice, AutoFallsBackToEpollAndSaysWhy) {
  auto refused = decide_backend(io_backend::automatic, false, "io_uring_setup failed: EPERM", true);
  EXPECT_EQ(refused.use, io_backend::epoll);
  EXPECT_EQ(refused.error, "");
  EXPECT_NE(refused.reason.find("EPERM"), std::string::npos);
  auto missing = decide_backend(io_backend::automatic, true, "", false);
  EXPECT_EQ(missing.use, io_backend::epoll);
  EXPECT_NE(missing.reason.find("quikedge-io_uring"), std::string::npos);
}

TEST(IoBackendChoice, ForcedIoUringThatCannotRunIsAnError) {
  EXPECT_NE(decide_backend(io_backend::io_uring, false, "ENOSYS", true).error.find("ENOSYS"),
            std::string::npos);
  EXPECT_NE(decide_backend(io_backend::io_uring, true, "", false).error, "");
  EXPECT_EQ(decide_backend(io_backend::io_uring, true, "", true).error, "");
}

TEST(IoBackendChoice, ForcedEpollAlwaysRuns) {
  auto d = decide_backend(io_backend::epoll, false, "ENOSYS", false);
  EXPECT_EQ(d.use, io_backend::epoll);
  EXPECT_EQ(d.error, "");
}

TEST(IoBackendChoice, NamesAndBinaries) {
  EXPECT_STREQ(backend_name(io_backend::automatic), "auto");
  EXPECT_STREQ(binary_for(io_backend::io_uring), "quikedge-io_uring");
  EXPECT_STREQ(binary_for(io_backend::epoll), "quikedge");
}

}  // namespace
}  // namespace quikedge::server
