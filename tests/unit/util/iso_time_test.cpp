// iso_time: UTC, seconds precision, the epoch and a leap day.
#include <gtest/gtest.h>

#include "util/iso_time.hpp"

namespace quikedge::util {
namespace {

TEST(IsoTime, WritesUtcSeconds) {
  using std::chrono::system_clock;
  EXPECT_EQ(iso_time(system_clock::time_point{}), "1970-01-01T00:00:00Z");
  // 2024-02-29T12:34:56Z, plus 999 ms that the seconds format drops.
  auto leap_day =
      system_clock::time_point{std::chrono::seconds(1709210096)} + std::chrono::milliseconds(999);
  EXPECT_EQ(iso_time(leap_day), "2024-02-29T12:34:56Z");
}

}  // namespace
}  // namespace quikedge::util
