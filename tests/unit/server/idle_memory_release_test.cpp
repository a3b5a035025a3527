// Idle memory release: once per quiet spell, never while the workers are busy,
// and the free pages a burst left really go back to the kernel.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <memory>
#include <vector>

#include "server/idle_memory_release.hpp"

namespace quikedge::server {
namespace {

using namespace std::chrono_literals;

/// Runs `io` until `condition` holds, at most `limit` of wall time.
template <class Condition>
bool run_until(boost::asio::io_context& io, Condition condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(5ms);
  }
  return condition();
}

TEST(IdleMemoryRelease, ReleasesOnceAfterAQuietPeriodAndAgainAfterTheNextBurst) {
  boost::asio::io_context io;
  std::uint64_t activity = 0;
  idle_memory_release release(
      io, [&] { return activity; }, 40ms);
  release.start();
  // Start-up counts as a burst: its garbage is released once things are quiet.
  ASSERT_TRUE(run_until(
      io, [&] { return release.releases() == 1; }, 2s));
  // Quiet stays quiet: no second release without activity in between.
  io.run_for(200ms);
  EXPECT_EQ(release.releases(), 1U);
  ++activity;
  ASSERT_TRUE(run_until(
      io, [&] { return release.releases() == 2; }, 2s));
  release.stop();
}

TEST(IdleMemoryRelease, NeverReleasesWhileTheWorkersStayBusy) {
  boost::asio::io_context io;
  std::uint64_t activity = 0;
  // Every look sees new activity, as on a proxy that serves without pause.
  idle_memory_release release(
      io, [&] { return ++activity; }, 40ms);
  release.start();
  io.run_for(400ms);  // ten quiet periods
  EXPECT_EQ(release.releases(), 0U);
  release.stop();
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// (A sanitizer's allocator keeps freed memory in its quarantine: nothing to trim.)
TEST(IdleMemoryRelease, GivesTheFreePagesOfABurstBackToTheKernel) {
  // 2,048 buffers of 16 KiB (32 MiB), touched, then freed; one buffer above them
  // stays, so free() cannot shrink the heap from its top and glibc keeps the pages.
  std::vector<char*> burst;
  for (int i = 0; i < 2048; ++i) {
    auto* block = static_cast<char*>(std::malloc(16 * 1024));
    ASSERT_NE(block, nullptr);
    for (int offset = 0; offset < 16 * 1024; offset += 512) {
      block[offset] = static_cast<char>(i);
    }
    burst.push_back(block);
  }
  auto* above = static_cast<char*>(std::malloc(16 * 1024));
  above[0] = 1;
  for (auto* block : burst) {
    std::free(block);
  }
  const std::uint64_t held = anonymous_resident_bytes();

  boost::asio::io_context io;
  idle_memory_release release(
      io, [] { return std::uint64_t{0}; }, 20ms);
  release.start();
  ASSERT_TRUE(run_until(
      io, [&] { return release.releases() == 1; }, 2s));
  EXPECT_GT(release.released_bytes(), 24U * 1024 * 1024) << "anonymous RSS before: " << held;
  EXPECT_LT(anonymous_resident_bytes() + 24U * 1024 * 1024, held);
  std::free(above);
}
#endif

}  // namespace
}  // namespace quikedge::server
