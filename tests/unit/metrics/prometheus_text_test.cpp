// Prometheus exposition: exact counts, cumulative buckets, escaping.
#include <gtest/gtest.h>

#include "metrics/prometheus_text.hpp"

namespace quikedge::metrics {
namespace {

TEST(PrometheusText, SumsWorkersAndKeepsBucketsCumulative) {
  worker_metrics a;
  worker_metrics b;
  a.record_request(0, 200, std::chrono::milliseconds(3));
  a.record_request(0, 200, std::chrono::milliseconds(30));
  b.record_request(0, 503, std::chrono::seconds(20));
  b.record_request(1, 200, std::chrono::milliseconds(1));
  exposition_input input;
  input.environment = "live";
  input.stack_names = {"blue", "green"};
  input.workers = {&a, &b};
  input.stacks = {{"blue", 0, 90, {{"127.0.0.1:1", true}}}, {"green", 1, 10, {}}};
  input.config_version = 7;
  std::string text = render_prometheus(input);
  EXPECT_NE(
      text.find("http_requests_total{environment=\"live\",stack=\"blue\",status=\"200\"} 2\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("http_requests_total{environment=\"live\",stack=\"blue\",status=\"503\"} 1\n"),
      std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{environment=\"live\",stack=\"blue\","
                      "le=\"0.005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{environment=\"live\",stack=\"blue\","
                      "le=\"0.05\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{environment=\"live\",stack=\"blue\","
                      "le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("http_request_duration_seconds_count{environment=\"live\",stack=\"blue\"} 3\n"),
      std::string::npos);
  EXPECT_NE(text.find("quikedge_stack_weight{environment=\"live\",stack=\"green\"} 10\n"),
            std::string::npos);
  EXPECT_NE(text.find("quikedge_config_version{environment=\"live\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("quikedge_rollout_state{environment=\"live\",state=\"idle\"} 1\n"),
            std::string::npos);
}

TEST(PrometheusText, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace quikedge::metrics
