// The alerting and dashboard files under config/: `promtool test rules` passes,
// the seed's alerts and panels are there unchanged, and every dashboard query is
// valid PromQL.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/proxy_process.hpp"

namespace quikedge::test {
namespace {

namespace fs = std::filesystem;
constexpr const char* promtool = "/usr/bin/promtool";

/// Collapses whitespace runs, so a `|` block and a one-line string compare equal.
std::string squash(const std::string& text) {
  std::string out = std::regex_replace(text, std::regex("\\s+"), " ");
  out.erase(0, out.find_first_not_of(' '));
  out.erase(out.find_last_not_of(' ') + 1);
  return out;
}

/// The YAML block of the seed design that follows the comment line `marker`;
/// empty when the seed is not beside the repository (../shared/seed).
std::string seed_block(const std::string& marker) {
  const fs::path dir = source_path("../shared/seed");
  if (!fs::is_directory(dir)) {
    return {};
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string text = read_file(entry.path());
    const auto at = text.find("# " + marker);
    if (at != std::string::npos) {
      return text.substr(at, text.find("```", at) - at);
    }
  }
  return {};
}

class observability_rules : public testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(promtool)) {
      GTEST_SKIP() << promtool << " is missing (Debian package prometheus)";
    }
  }
};

TEST_F(observability_rules, promtool_unit_tests_pass) {
  std::vector<std::string> argv{promtool, "test", "rules"};
  for (const auto& entry : fs::directory_iterator(source_path("tests/prometheus"))) {
    if (entry.path().string().ends_with(".test.yaml")) {
      argv.push_back(entry.path().string());
    }
  }
  ASSERT_GE(argv.size(), 5u) << "expected live-alerts and quikedge-alerts tests";
  auto result = run_command(argv, std::chrono::seconds(60));
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
  std::size_t successes = 0;
  for (std::size_t at = result.out.find("SUCCESS"); at != std::string::npos;
       at = result.out.find("SUCCESS", at + 1)) {
    ++successes;
  }
  EXPECT_EQ(successes, argv.size() - 3) << result.out;
}

TEST_F(observability_rules, prometheus_config_and_rule_files_check) {
  auto result =
      run_command({promtool, "check", "config", source_path("config/prometheus/prometheus.yml")});
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("SUCCESS: 5 rules found"), std::string::npos) << result.out;
}

// The seed's alert rules must work on quikedge's metrics unchanged.
TEST_F(observability_rules, seed_alerts_are_unchanged) {
  const std::string seed = seed_block("prometheus/live-alerts.yaml");
  if (seed.empty()) {
    GTEST_SKIP() << "the seed design is not at " << source_path("../shared/seed");
  }
  const YAML::Node expected = YAML::Load(seed)["groups"][0];
  const YAML::Node actual =
      YAML::LoadFile(source_path("config/prometheus/live-alerts.yaml"))["groups"][0];
  EXPECT_EQ(actual["name"].as<std::string>(), expected["name"].as<std::string>());
  ASSERT_EQ(actual["rules"].size(), expected["rules"].size());
  for (std::size_t i = 0; i < expected["rules"].size(); ++i) {
    const auto want = expected["rules"][i];
    const auto got = actual["rules"][i];
    SCOPED_TRACE(want["alert"].as<std::string>());
    EXPECT_EQ(YAML::Dump(got), YAML::Dump(want));
  }
}

TEST_F(observability_rules, grafana_dashboard_has_the_seed_panels_and_valid_queries) {
  boost::system::error_code ec;
  const auto dashboard =
      boost::json::parse(read_file(source_path("config/grafana/quikedge-dashboard.json")), ec);
  ASSERT_FALSE(ec) << ec.message();
  std::map<std::string, std::string> panel_expr;  // title → squashed first expr
  std::vector<std::string> exprs;
  for (const auto& panel : dashboard.at("panels").as_array()) {
    const auto& object = panel.as_object();
    if (const auto* targets = object.if_contains("targets")) {
      for (const auto& target : targets->as_array()) {
        const std::string expr(target.at("expr").as_string());
        panel_expr.emplace(std::string(object.at("title").as_string()), squash(expr));
        exprs.push_back(expr);
      }
    }
  }
  for (const auto& annotation : dashboard.at("annotations").at("list").as_array()) {
    if (const auto* expr = annotation.as_object().if_contains("expr")) {
      exprs.emplace_back(expr->as_string());
    }
  }

  const std::string seed = seed_block("grafana/live-dashboard.yaml");
  if (!seed.empty()) {
    for (const auto& panel : YAML::Load(seed)["dashboard"]["panels"]) {
      const auto title = panel["title"].as<std::string>();
      SCOPED_TRACE(title);
      ASSERT_EQ(panel_expr.count(title), 1u) << "seed panel missing";
      EXPECT_EQ(panel_expr[title], squash(panel["targets"][0]["expr"].as<std::string>()));
    }
  }
  for (const char* title : {"Stack weight", "Request rate by stack", "Error rate by stack",
                            "P99 latency by stack", "WebSockets by stack"}) {
    EXPECT_EQ(panel_expr.count(title), 1u) << title;
  }

  // promtool parses every query as a recording rule's expression.
  const fs::path dir = make_temp_directory();
  std::ofstream rules(dir / "dashboard-queries.yaml");
  rules << "groups:\n  - name: dashboard\n    rules:\n";
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    rules << "      - record: dashboard:query_" << i
          << "\n        expr: " << boost::json::serialize(boost::json::value(exprs[i])) << "\n";
  }
  rules.close();
  auto result =
      run_command({promtool, "check", "rules", (dir / "dashboard-queries.yaml").string()});
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace quikedge::test
