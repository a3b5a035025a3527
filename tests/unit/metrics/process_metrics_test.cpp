// process_* families: the values /proc and getrlimit give, in exposition syntax.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>

#include "metrics/process_metrics.hpp"

namespace quikedge::metrics {
namespace {

/// The value of the sample `name{environment="live"}`, or -1 when it is absent.
double sample(const std::string& text, const std::string& name) {
  const std::regex line("(^|\n)" + name + "\\{environment=\"live\"\\} ([0-9.e+]+)\n");
  std::smatch match;
  if (!std::regex_search(text, match, line)) {
    return -1;
  }
  return std::stod(match[2].str());
}

TEST(ProcessMetrics, ExportsTheStandardFamiliesWithTheirTypes) {
  std::string text;
  append_process_metrics(text, "live");
  for (const char* family :
       {"process_cpu_seconds_total counter", "process_resident_memory_bytes gauge",
        "process_virtual_memory_bytes gauge", "process_open_fds gauge", "process_max_fds gauge",
        "process_start_time_seconds gauge"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family + "\n"), std::string::npos) << family;
  }
  EXPECT_GT(sample(text, "process_resident_memory_bytes"), 1024 * 1024);
  EXPECT_GT(sample(text, "process_virtual_memory_bytes"),
            sample(text, "process_resident_memory_bytes"));
  EXPECT_GE(sample(text, "process_cpu_seconds_total"), 0);
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(sample(text, "process_max_fds"), static_cast<double>(limit.rlim_cur));
  // Started within the last hour (the test binary's own start), not in 1970.
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double started = sample(text, "process_start_time_seconds");
  EXPECT_LE(started, now + 1);
  EXPECT_GT(started, now - 3600);
}

TEST(ProcessMetrics, OpenFdsCountsDescriptorsExactly) {
  std::string before;
  append_process_metrics(before, "live");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string after;
  append_process_metrics(after, "live");
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(sample(after, "process_open_fds"), sample(before, "process_open_fds") + 2);
}

}  // namespace
}  // namespace quikedge::metrics
