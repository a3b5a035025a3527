// A real Prometheus (Debian's /usr/bin/prometheus) scrapes quikedge with the shipped
// config/prometheus files, `for:` shortened to 2s: 5xx from one stack make the
// seed's LiveHighErrorRate fire, and a stopped proxy makes LiveServiceDown fire.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr const char* prometheus_binary = "/usr/bin/prometheus";

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return out;
}

class observability_prometheus : public two_stacks {
 protected:
  void SetUp() override {
    if (!fs::exists(prometheus_binary)) {
      GTEST_SKIP() << prometheus_binary << " is missing (Debian package prometheus)";
    }
    ASSERT_TRUE(start_upstreams());
    proxy_config config;
    config.stacks = {{"blue", {blue_->address()}, 50}, {"green", {green_->address()}, 50}};
    // The seed's rules select environment="live".
    ASSERT_TRUE(proxy.start(std::regex_replace(
        render_config(config), std::regex("environment: test"), "environment: live")));
    dir_ = make_temp_directory();
    start_prometheus();
  }

  void TearDown() override {
    stop_traffic();
    if (prometheus_) {
      prometheus_->stop(2s);
      if (HasFailure()) {
        std::cerr << "--- prometheus stderr ---\n" << prometheus_->stderr_text() << "---\n";
      }
      prometheus_.reset();
    }
    if (!dir_.empty()) {
      fs::remove_all(dir_);
    }
  }

  /// The shipped prometheus.yml and rule files, copied with a 1 s scrape and
  /// evaluation interval, this proxy's admin port as target and `for:` at 2s.
  void start_prometheus() {
    const fs::path config_dir = source_path("config/prometheus");
    const std::regex for_clause("for: \\S+");
    for (const char* rules : {"live-alerts.yaml", "quikedge-alerts.yaml"}) {
      std::ofstream(dir_ / rules) << std::regex_replace(read_file(config_dir / rules), for_clause,
                                                        "for: 2s");
    }
    std::string config = read_file(config_dir / "prometheus.yml");
    config = std::regex_replace(config, std::regex("_interval: 15s"), "_interval: 1s");
    config = std::regex_replace(config, std::regex("127\\.0\\.0\\.1:9901"),
                                "127.0.0.1:" + std::to_string(proxy.admin_port()));
    std::ofstream(dir_ / "prometheus.yml") << config;

    prom_port_ = unused_port();
    prometheus_ = std::make_unique<child_process>(std::vector<std::string>{
        prometheus_binary, "--config.file=" + (dir_ / "prometheus.yml").string(),
        "--storage.tsdb.path=" + (dir_ / "data").string(),
        "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_), "--log.level=warn"});
    ASSERT_TRUE(eventually([&] { return http_get(prom_port_, "/-/ready", {}, 1s).status == 200; },
                           30s, "Prometheus ready"))
        << prometheus_->stderr_text();
  }

  /// GET on Prometheus' API, the "data" member of its answer (null on failure).
  boost::json::value api(const std::string& target) {
    auto response = http_get(prom_port_, target, {}, 5s);
    boost::system::error_code ec;
    auto body = boost::json::parse(response.body, ec);
    if (response.status != 200 || ec || !body.is_object()) {
      return nullptr;
    }
    return body.at("data");
  }

  /// The first value of an instant query, or nothing when its result is empty.
  std::optional<double> query(const std::string& promql) {
    auto data = api("/api/v1/query?query=" + url_encode(promql));
    if (!data.is_object() || data.at("result").as_array().empty()) {
      return std::nullopt;
    }
    return std::stod(
        std::string(data.at("result").as_array()[0].at("value").as_array()[1].as_string()));
  }

  /// State ("pending", "firing") of the alert whose labels include all of `labels`.
  std::string alert_state(const std::string& name,
                          const std::map<std::string, std::string>& labels = {}) {
    auto data = api("/api/v1/alerts");
    if (!data.is_object()) {
      return "no answer";
    }
    for (const auto& alert : data.at("alerts").as_array()) {
      const auto& have = alert.at("labels").as_object();
      bool match = have.at("alertname").as_string() == name;
      for (const auto& [key, value] : labels) {
        match = match && have.contains(key) && have.at(key).as_string() == value;
      }
      if (match) {
        return std::string(alert.at("state").as_string());
      }
    }
    return "inactive";
  }

  /// Requests through the proxy until stopped (at most 90 s): one to the split
  /// every 20 ms, plus one 503 from green's upstream while `errors_` is set.
  void start_traffic() {
    traffic_ = std::thread([this] {
      const auto deadline = deadline_in(90s);
      while (!stop_.load() && test_clock::now() < deadline) {
        http_get(port(), "/", {}, 2s);
        if (errors_.load()) {
          http_get(port(), "/status/503", {{"X-QuikApp-Stack", "green"}}, 2s);
        }
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  void stop_traffic() {
    stop_ = true;
    if (traffic_.joinable()) {
      traffic_.join();
    }
  }

  fs::path dir_;
  std::unique_ptr<child_process> prometheus_;
  std::uint16_t prom_port_ = 0;
  std::thread traffic_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> errors_{false};
};

TEST_F(observability_prometheus, five_xx_on_one_stack_fires_live_high_error_rate) {
  start_traffic();
  // Scraped, with the seed's label on `up` and quikedge's own label kept as is.
  ASSERT_TRUE(eventually([&] { return query("up{environment=\"live\",job=\"quikedge\"}") == 1.0; },
                         20s, "target up"));
  ASSERT_TRUE(eventually(
      [&] {
        return query("sum(rate(http_requests_total{environment=\"live\"}[1m])) > 0").has_value();
      },
      20s, "request rate visible"));
  EXPECT_FALSE(query("count(http_requests_total{exported_environment!=\"\"})").has_value())
      << "honor_labels must keep quikedge's environment label";
  EXPECT_EQ(alert_state("LiveHighErrorRate"), "inactive") << "no 5xx yet";

  errors_ = true;
  std::vector<std::string> seen;  // the alert's states, in order, without repeats
  EXPECT_TRUE(eventually(
      [&] {
        auto state = alert_state("LiveHighErrorRate");
        if (seen.empty() || seen.back() != state) {
          seen.push_back(state);
        }
        return state == "firing";
      },
      40s, "LiveHighErrorRate firing"))
      << testing::PrintToString(seen);
  EXPECT_NE(std::find(seen.begin(), seen.end(), "pending"), seen.end())
      << "`for:` should hold it pending first: " << testing::PrintToString(seen);
  EXPECT_TRUE(eventually(
      [&] {
        return alert_state("QuikedgeStackHighErrorRate", {{"stack", "green"}}) == "firing";
      },
      20s, "QuikedgeStackHighErrorRate{stack=green} firing"));
  EXPECT_EQ(alert_state("QuikedgeStackHighErrorRate", {{"stack", "blue"}}), "inactive");
}

TEST_F(observability_prometheus, a_stopped_proxy_fires_live_service_down) {
  ASSERT_TRUE(eventually([&] { return query("up{environment=\"live\",job=\"quikedge\"}") == 1.0; },
                         20s, "target up"));
  EXPECT_EQ(alert_state("LiveServiceDown"), "inactive");
  proxy.stop();
  EXPECT_TRUE(eventually([&] { return alert_state("LiveServiceDown") == "firing"; }, 30s,
                         "LiveServiceDown firing"));
}

}  // namespace
}  // namespace quikedge::test
