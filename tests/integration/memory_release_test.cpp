// A burst of connections leaves free memory in malloc's arenas; once the proxy has
// been quiet for two seconds it goes back to the kernel (server/idle_memory_release),
// so a memory-scaled HPA sees the replica shrink again.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

class memory_release : public two_stacks {
 protected:
  double releases() { return proxy.metric("quikedge_memory_releases_total", {}); }
};

bool under_sanitizer() {
  // The suite's ASan and TSan passes set their options in the environment; their
  // allocators keep freed memory in a quarantine, so there is nothing to give back.
  return std::getenv("ASAN_OPTIONS") != nullptr || std::getenv("TSAN_OPTIONS") != nullptr;
}

TEST_F(memory_release, a_burst_gives_its_memory_back_once_the_proxy_is_quiet) {
  proxy_config config;
  config.workers = 1;
  ASSERT_TRUE(start(100, 0, config));
  // Start-up itself is released once, after its quiet period.
  ASSERT_TRUE(eventually([&] { return releases() >= 1; }, std::chrono::seconds(15),
                         "the release after start-up"));
  const double after_start = releases();
  const long baseline_kib = proxy.process().rss_kib();
  const double resident = proxy.metric("process_resident_memory_bytes", {});
  EXPECT_NEAR(resident / 1024, static_cast<double>(baseline_kib), 2048.0);

  // 400 requests in flight at once, each on its own connection and its own
  // upstream connection, held 300 ms by the upstream.
  std::vector<http_client> clients(400);
  for (auto& client : clients) {
    ASSERT_TRUE(client.connect(port()));
    ASSERT_TRUE(client.send(request_text("GET", "/delay/300", {{"Host", "burst"}})));
  }
  for (auto& client : clients) {
    EXPECT_EQ(client.read_response().status, 200);
    client.close();
  }
  const long peak_kib = proxy.process().rss_kib();
  if (!under_sanitizer()) {
    ASSERT_GT(peak_kib - baseline_kib, 2048)
        << "the burst did not grow the proxy's memory: nothing to show a release with";
  }
  ASSERT_TRUE(eventually([&] { return releases() >= after_start + 1; }, std::chrono::seconds(15),
                         "a release after the burst"));
  EXPECT_EQ(releases(), after_start + 1) << "one release per quiet spell";
  if (!under_sanitizer()) {
    const long now_kib = proxy.process().rss_kib();
    std::cout << "proxy RSS: " << baseline_kib << " KiB after start-up, " << peak_kib
              << " KiB after the burst, " << now_kib << " KiB after the release\n";
    // About half the growth is free memory; the rest is what the proxy still
    // holds, above all the 400 idle upstream connections its pool keeps.
    const long growth_kib = peak_kib - baseline_kib;
    EXPECT_LT(now_kib, peak_kib - std::max(1024L, growth_kib / 3))
        << "baseline " << baseline_kib << " KiB, peak " << peak_kib << " KiB, now " << now_kib;
    EXPECT_GT(proxy.metric("quikedge_memory_released_bytes_total", {}), 1024.0 * 1024);
  }
}

}  // namespace
}  // namespace quikedge::test
