// /metrics after real traffic. `promtool check metrics` finds nothing to
// say, and a known request mix gives exact counters and consistent histograms.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

constexpr const char* promtool = "/usr/bin/promtool";

struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// Parses the sample lines of a text exposition (label values unescaped).
/// Malformed lines become a test failure.
std::vector<sample> parse_exposition(const std::string& text) {
  std::vector<sample> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end == std::string::npos ? end : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    sample s;
    std::size_t i = line.find_first_of("{ ");
    s.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const std::size_t eq = line.find("=\"", i);
        if (eq == std::string::npos) {
          ADD_FAILURE() << "bad labels in: " << line;
          return out;
        }
        std::string key = line.substr(i, eq - i), value;
        for (i = eq + 2; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value.push_back(line[i] == 'n' ? '\n' : line[i]);
          } else {
            value.push_back(line[i]);
          }
        }
        s.labels[key] = value;
        i += (i + 1 < line.size() && line[i + 1] == ',') ? 2 : 1;
      }
      ++i;
    }
    s.value = std::strtod(line.c_str() + i, nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

/// Non-zero http_requests_total series as "stack/status" → count.
std::map<std::string, double> request_counts(const std::vector<sample>& samples) {
  std::map<std::string, double> out;
  for (const auto& s : samples) {
    if (s.name == "http_requests_total" && s.value != 0) {
      out[s.labels.at("stack") + "/" + s.labels.at("status")] += s.value;
    }
  }
  return out;
}

class observability_metrics : public two_stacks {
 protected:
  void SetUp() override { ASSERT_TRUE(start(100, 0)); }

  std::string scrape() {
    auto response = http_get(proxy.admin_port(), "/metrics");
    EXPECT_EQ(response.status, 200) << response.error;
    return response.body;
  }

  /// Waits until the counters add up to `total`: the proxy counts a request
  /// when its response is done, which may be just after the client read it.
  std::vector<sample> scrape_when_total_is(double total) {
    std::vector<sample> samples;
    EXPECT_TRUE(eventually(
        [&] {
          samples = parse_exposition(scrape());
          double sum = 0;
          for (const auto& [key, count] : request_counts(samples)) {
            sum += count;
          }
          return sum == total;
        },
        std::chrono::seconds(5), "http_requests_total adding up"));
    return samples;
  }
};

TEST_F(observability_metrics, promtool_check_metrics_is_clean_after_traffic) {
  if (!std::filesystem::exists(promtool)) {
    GTEST_SKIP() << promtool << " is missing (Debian package prometheus)";
  }
  EXPECT_EQ(http_get(port(), "/").status, 200);
  EXPECT_EQ(http_get(port(), "/status/404").status, 404);
  EXPECT_EQ(http_get(port(), "/status/503").status, 503);
  EXPECT_EQ(http_get(port(), "/delay/30").status, 200);
  EXPECT_EQ(http_get(port(), "/", {{"X-QuikApp-Stack", "green"}}).status, 200);
  {
    http_client client(port());
    client.send("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 400);  // counted under stack="none"
  }
  const auto samples = scrape_when_total_is(6);

  auto response = http_get(proxy.admin_port(), "/metrics");
  EXPECT_EQ(response.header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u)
      << response.header("Content-Type");
  const auto file = proxy.directory() / "scrape.txt";
  std::ofstream(file) << response.body;
  auto result =
      run_command({"/bin/sh", "-c",
                   std::string("exec ") + promtool + " check metrics < '" + file.string() + "'"});
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
  EXPECT_EQ(result.out + result.err, "") << "promtool lint findings";
}

TEST_F(observability_metrics, families_are_grouped_with_help_and_type_first) {
  EXPECT_EQ(http_get(port(), "/").status, 200);
  scrape_when_total_is(1);
  const std::string text = scrape();
  std::set<std::string> typed, finished;
  std::string current;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      auto name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(typed.insert(name).second) << "second TYPE for " << name;
      if (!current.empty()) {
        finished.insert(current);
      }
      current = name;
      continue;
    }
    if (line.empty() || line[0] == '#') {
      continue;
    }
    auto name = line.substr(0, line.find_first_of("{ "));
    const bool of_current = name == current || name == current + "_bucket" ||
                            name == current + "_sum" || name == current + "_count";
    EXPECT_TRUE(of_current) << name << " outside its family block (current " << current << ")";
    EXPECT_EQ(finished.count(name), 0u) << name << " after its family ended";
  }
  for (const char* family :
       {"http_requests_total", "http_request_duration_seconds", "websocket_connections_active",
        "quikedge_stack_weight", "quikedge_config_version", "quikedge_upstream_healthy",
        "quikedge_rollout_state"}) {
    EXPECT_EQ(typed.count(family), 1u) << family;
  }
}

// 7×200 and 3×503 (answered by the upstream) on blue, 2×200 pinned to green.
TEST_F(observability_metrics, counts_are_exact_after_a_known_request_mix) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(http_get(port(), "/").status, 200);
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(http_get(port(), "/status/503").status, 503);
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(http_get(port(), "/", {{"X-QuikApp-Stack", "green"}}).status, 200);
  }
  const auto samples = scrape_when_total_is(12);
  const std::map<std::string, double> expected{{"blue/200", 7}, {"blue/503", 3}, {"green/200", 2}};
  EXPECT_EQ(request_counts(samples), expected);

  // Histogram per stack: the documented bounds in order, cumulative counts, +Inf == _count.
  const std::vector<std::string> bounds{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                        "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  const std::map<std::string, double> per_stack{{"blue", 10}, {"green", 2}, {"none", 0}};
  for (const auto& [stack, total] : per_stack) {
    SCOPED_TRACE("stack " + stack);
    std::vector<std::string> les;
    std::vector<double> counts;
    double count = -1, sum = -1;
    for (const auto& s : samples) {
      if (s.labels.count("stack") == 0 || s.labels.at("stack") != stack) {
        continue;
      }
      if (s.name == "http_request_duration_seconds_bucket") {
        les.push_back(s.labels.at("le"));
        counts.push_back(s.value);
      } else if (s.name == "http_request_duration_seconds_count") {
        count = s.value;
      } else if (s.name == "http_request_duration_seconds_sum") {
        sum = s.value;
      }
    }
    EXPECT_EQ(les, bounds);
    for (std::size_t i = 1; i < counts.size(); ++i) {
      EXPECT_LE(counts[i - 1], counts[i]) << "bucket le=" << les[i];
    }
    ASSERT_FALSE(counts.empty());
    EXPECT_EQ(counts.back(), total);
    EXPECT_EQ(count, total);
    EXPECT_GE(sum, 0);
    EXPECT_LT(sum, total * 10 + 1e-9) << "no request took 10 s";
  }

  // Every sample names its environment; gauges agree with the config.
  for (const auto& s : samples) {
    EXPECT_EQ(s.labels.count("environment"), 1u) << s.name;
  }
  EXPECT_EQ(proxy.metric("quikedge_stack_weight", {{"stack", "blue"}}), 100);
  EXPECT_EQ(proxy.metric("quikedge_stack_weight", {{"stack", "green"}}), 0);
  EXPECT_EQ(proxy.metric("quikedge_upstream_healthy", {{"stack", "green"}}), 1);
  EXPECT_EQ(proxy.metric("quikedge_rollout_state", {{"state", "idle"}}), 1);
}

}  // namespace
}  // namespace quikedge::test
