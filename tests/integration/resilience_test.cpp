// Issue 5: health checks, failover, retries and outlier handling, with real
// upstream processes killed (SIGKILL) and restored.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "support/child_process.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/upstream_process.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

std::string bin(const std::string& name) {
  return bin_path(name);
}

/// A config with per-stack endpoint lists and fast health checks.
std::string config_yaml(const std::vector<std::string>& blue, const std::vector<std::string>& green,
                        int blue_weight, int green_weight, const std::string& extra = "",
                        bool health_checks = true) {
  auto list = [](const std::vector<std::string>& endpoints) {
    std::string out = "[";
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      out += (i ? ", \"" : "\"") + endpoints[i] + "\"";
    }
    return out + "]";
  };
  const std::string check = !health_checks ? ""
                                           : "    health_check: { path: /health, interval: 100ms, "
                                             "timeout: 200ms, healthy_threshold: 2, "
                                             "unhealthy_threshold: 2 }\n";
  return "workers: 2\n"
         "listeners: [{ name: http, address: \"127.0.0.1:0\" }]\n"
         "admin: { address: \"127.0.0.1:0\" }\n"
         "stacks:\n"
         "  blue:\n    endpoints: " +
         list(blue) + "\n" + check + "  green:\n    endpoints: " + list(green) + "\n" + check +
         "routing:\n  weights: { blue: " + std::to_string(blue_weight) +
         ", green: " + std::to_string(green_weight) +
         " }\n  stack_response_header: X-QuikEdge-Stack\n" + extra;
}

/// Runs quikedge-bench against the proxy for `seconds` and returns its output.
struct bench_run {
  std::unique_ptr<child_process> child;

  bench_run(std::uint16_t port, int seconds, const std::string& method = "GET") {
    child = std::make_unique<child_process>(std::vector<std::string>{
        bin("quikedge-bench"), "--url", "http://127.0.0.1:" + std::to_string(port) + "/",
        "--connections", "8", "--duration", std::to_string(seconds), "--method", method,
        "--count-header", "X-QuikEdge-Stack"});
  }
  std::string finish() {
    child->wait_exit(deadline_in(60s));
    child->wait_output_closed(deadline_in(10s));  // the last lines may still be in the pipe
    return child->stdout_text();
  }
};

long number_after(const std::string& text, const std::string& label) {
  std::smatch match;
  if (std::regex_search(text, match, std::regex(label + R"(\s+(\d+))"))) {
    return std::stol(match[1]);
  }
  return -1;
}

bool endpoint_healthy(proxy_process& proxy, const std::string& stack, const std::string& address) {
  auto state = proxy.state();
  if (!state.is_object()) {
    return false;
  }
  for (const auto& endpoint : state.at("stacks").at(stack).at("endpoints").as_array()) {
    if (endpoint.at("address").as_string() == address) {
      return endpoint.at("healthy").as_bool();
    }
  }
  return false;
}

int readyz(proxy_process& proxy) {
  return proxy.admin("GET", "/readyz").status;
}

/// The file an upstream's /health answers by: while it is gone, the endpoint fails its checks.
struct health_file {
  std::filesystem::path path = make_temp_directory() / "healthy";

  health_file() { restore(); }
  void remove() const { std::filesystem::remove(path); }
  void restore() const { std::ofstream(path) << "ok"; }
  [[nodiscard]] std::vector<std::string> upstream_args() const {
    return {"--health-file", path.string()};
  }
};

/// Starts each upstream in turn, stopping at the first that fails.
testing::AssertionResult start_all(std::initializer_list<upstream_process*> upstreams) {
  for (auto* upstream : upstreams) {
    if (auto started = upstream->start(); !started) {
      return started << " (" << upstream->name() << ")";
    }
  }
  return testing::AssertionSuccess();
}

/// Endpoints a and b in blue (weight 100), one in green (weight 0), and the proxy.
struct two_blue_one_green {
  upstream_process a;
  upstream_process b{"b"};
  upstream_process green{"green"};
  proxy_process proxy;

  explicit two_blue_one_green(std::vector<std::string> a_args = {}) : a("a", std::move(a_args)) {}

  /// Starts the upstreams, then the proxy with config_yaml(..., extra, health_checks).
  testing::AssertionResult start(const std::string& extra = "", bool health_checks = true) {
    if (auto started = start_all({&a, &b, &green}); !started) {
      return started;
    }
    return proxy.start(
        config_yaml({a.address(), b.address()}, {green.address()}, 100, 0, extra, health_checks));
  }
};

TEST(resilience, failing_health_check_takes_endpoint_out_without_failed_requests) {
  health_file health;
  two_blue_one_green stacks(health.upstream_args());
  ASSERT_TRUE(stacks.start());

  bench_run load(stacks.proxy.http_port(), 3);
  health.remove();
  ASSERT_TRUE(
      eventually([&] { return !endpoint_healthy(stacks.proxy, "blue", stacks.a.address()); }, 10s));
  EXPECT_EQ(stacks.proxy.metric("quikedge_upstream_healthy", {{"endpoint", stacks.a.address()}}),
            0);
  std::string out = load.finish();
  EXPECT_EQ(number_after(out, "5xx"), 0) << out;
  EXPECT_EQ(number_after(out, "connect"), 0) << out;

  // Once out, the endpoint gets no new requests (its own health probes go on, so
  // count by the answering upstream's name rather than by its request counter).
  for (int i = 0; i < 50; ++i) {
    auto response = http_get(stacks.proxy.http_port(), "/");
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.header("X-Upstream"), "b");
  }

  health.restore();
  EXPECT_TRUE(
      eventually([&] { return endpoint_healthy(stacks.proxy, "blue", stacks.a.address()); }, 10s));
}

TEST(resilience, sigkill_of_an_endpoint_under_load_costs_at_most_the_requests_in_flight) {
  two_blue_one_green stacks;
  ASSERT_TRUE(stacks.start());

  bench_run load(stacks.proxy.http_port(), 3);
  upstream_stats seen;
  ASSERT_TRUE(eventually([&] { return stacks.a.stats(seen) && seen.requests > 1000; }, 10s));
  ::kill(stacks.a.process().pid(), SIGKILL);
  std::string out = load.finish();
  // 8 connections: at most 8 requests can have been in flight on the killed endpoint,
  // and idempotent GETs that had no answer yet are retried elsewhere.
  EXPECT_LE(number_after(out, "5xx"), 8) << out;
  EXPECT_GT(number_after(out, "2xx"), 0) << out;
}

TEST(resilience, dead_weighted_stack_fails_over_then_recovers) {
  upstream_process blue("blue");
  upstream_process green("green");
  ASSERT_TRUE(start_all({&blue, &green}));
  const std::string blue_address = blue.address();
  proxy_process proxy;
  ASSERT_TRUE(proxy.start(config_yaml({blue_address}, {green.address()}, 100, 0)));
  EXPECT_EQ(readyz(proxy), 200);

  ::kill(blue.process().pid(), SIGKILL);
  blue.process().wait_exit(deadline_in(5s));
  // Zero errors right away: a refused connect is retried on the other stack.
  for (int i = 0; i < 200; ++i) {
    auto response = http_get(proxy.http_port(), "/");
    ASSERT_EQ(response.status, 200) << response.body << response.error;
    EXPECT_EQ(response.header("X-QuikEdge-Stack"), "green");
  }
  EXPECT_TRUE(eventually([&] { return readyz(proxy) == 503; }, 10s));

  // Recovery: an upstream on the same port again brings traffic back.
  child_process restarted({bin("quikedge-upstream"), "--listen", blue_address, "--name", "blue"});
  ASSERT_TRUE(restarted.wait_for_line("listening on", deadline_in(10s)).has_value());
  EXPECT_TRUE(eventually([&] { return readyz(proxy) == 200; }, 10s));
  EXPECT_TRUE(eventually(
      [&] { return http_get(proxy.http_port(), "/").header("X-QuikEdge-Stack") == "blue"; }, 10s));
}

TEST(resilience, flapping_endpoint_changes_state_no_faster_than_thresholds) {
  health_file health;
  upstream_process a("a", health.upstream_args());
  upstream_process green("green");
  ASSERT_TRUE(start_all({&a, &green}));
  proxy_process proxy;
  // interval 100ms, thresholds 2: a verdict needs two probes in a row.
  ASSERT_TRUE(proxy.start(config_yaml({a.address()}, {green.address()}, 100, 0)));

  for (int flip = 0; flip < 3; ++flip) {
    const auto removed_at = test_clock::now();
    health.remove();
    ASSERT_TRUE(eventually([&] { return !endpoint_healthy(proxy, "blue", a.address()); }, 10s));
    EXPECT_GE(test_clock::now() - removed_at, 100ms) << "went down on a single failed probe";
    const auto restored_at = test_clock::now();
    health.restore();
    ASSERT_TRUE(eventually([&] { return endpoint_healthy(proxy, "blue", a.address()); }, 10s));
    EXPECT_GE(test_clock::now() - restored_at, 100ms) << "came back on a single good probe";
  }
}

TEST(resilience, retry_never_duplicates_a_post_that_reached_the_upstream) {
  two_blue_one_green stacks;
  // No health checks here: their probes would move the request counters.
  ASSERT_TRUE(stacks.start("timeouts: { upstream_response: 20s }\n", false));
  upstream_stats a_before;
  upstream_stats b_before;
  ASSERT_TRUE(stacks.a.stats(a_before));
  ASSERT_TRUE(stacks.b.stats(b_before));

  // A POST that waits on whichever endpoint gets it; find it, then kill that endpoint.
  http_client client;
  ASSERT_TRUE(client.connect(stacks.proxy.http_port()));
  ASSERT_TRUE(client.send(request_text("POST", "/delay/10000", {}, "payload")));
  upstream_process* holder = nullptr;
  upstream_process* other = nullptr;
  ASSERT_TRUE(eventually(
      [&] {
        upstream_stats s;
        if (stacks.a.stats(s) && s.requests > a_before.requests) {
          holder = &stacks.a;
          other = &stacks.b;
          return true;
        }
        if (stacks.b.stats(s) && s.requests > b_before.requests) {
          holder = &stacks.b;
          other = &stacks.a;
          return true;
        }
        return false;
      },
      10s));
  upstream_stats other_before;
  ASSERT_TRUE(other->stats(other_before));
  ::kill(holder->process().pid(), SIGKILL);
  auto response = client.read_response();
  EXPECT_EQ(response.status, 502) << response.error;
  upstream_stats other_after;
  ASSERT_TRUE(other->stats(other_after));
  EXPECT_EQ(other_after.requests, other_before.requests) << "the POST was replayed";
}

}  // namespace
}  // namespace quikedge::test
