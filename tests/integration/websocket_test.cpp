// WebSockets with real clients: Python websockets (tests/integration/ws_client.py) and
// quikedge-bench --websocket, through the proxy to quikedge-upstream's /ws echo.
// Echo of 1 MiB messages; 200 WebSockets surviving 20 weight changes under HTTP load;
// drains closing them with 1001 spread over drain_timeout; a rollback closing them at
// once; new WebSockets on the new stack; websocket_connections_active per stack.
#include <gtest/gtest.h>

#include <signal.h>

#include <boost/json.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "support/bench_report.hpp"
#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

constexpr auto drain_window = 2000ms;
const std::string python = "/usr/bin/python3";

proxy_config websocket_config() {
  proxy_config config;
  config.routing_extra =
      "  sticky: { cookie: quikedge_stack, cookie_ttl: 1h, hash_key: \"header:X-User-Id\" }\n"
      "  websocket: { drain_timeout: 2s, rollback_drain_timeout: 0s }\n";
  return config;
}

/// Seconds on CLOCK_MONOTONIC, the clock of Python's time.monotonic().
double monotonic_seconds(test_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

/// The last stdout line of the script that starts with {"event": "<event>", parsed.
std::optional<boost::json::object> event_line(const std::string& out, const std::string& event) {
  const std::string prefix = "{\"event\": \"" + event + "\"";
  std::optional<boost::json::object> found;
  std::size_t start = 0;
  while (start < out.size()) {
    const auto end = std::min(out.find('\n', start), out.size());
    const std::string line = out.substr(start, end - start);
    start = end + 1;
    if (line.starts_with(prefix)) {
      boost::system::error_code ec;
      auto value = boost::json::parse(line, ec);
      if (!ec && value.is_object()) {
        found = value.as_object();
      }
    }
  }
  return found;
}

std::int64_t number(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_number() ? value->to_number<std::int64_t>() : -1;
}

std::int64_t stack_count(const boost::json::object& object, const std::string& stack) {
  const auto* stacks = object.if_contains("stacks");
  return stacks != nullptr && stacks->is_object() ? number(stacks->as_object(), stack) : -1;
}

/// ws_client.py hold: N WebSockets held open by a child process until finish().
class held_websockets {
 public:
  struct options {
    int count = 1;
    int interval_ms = 0;  ///< an echoed message per WebSocket this often (0: idle)
    bool exit_when_all_closed = false;
    bool warm = false;  ///< one echo on each before "ready", then idle
    int timeout_s = 30;
    std::vector<std::string> headers;
  };

  held_websockets(std::uint16_t port, const options& opts) {
    std::vector<std::string> argv = {python,
                                     source_path("tests/integration/ws_client.py"),
                                     "hold",
                                     "--url",
                                     "ws://127.0.0.1:" + std::to_string(port) + "/ws",
                                     "--count",
                                     std::to_string(opts.count),
                                     "--interval-ms",
                                     std::to_string(opts.interval_ms),
                                     "--timeout",
                                     std::to_string(opts.timeout_s)};
    if (opts.exit_when_all_closed) {
      argv.emplace_back("--exit-when-all-closed");
    }
    if (opts.warm) {
      argv.emplace_back("--warm");
    }
    for (const auto& header : opts.headers) {
      argv.emplace_back("--header");
      argv.push_back(header);
    }
    timeout_ = std::chrono::seconds(opts.timeout_s + 20);
    child_ = std::make_unique<child_process>(std::move(argv));
  }

  /// The "ready" event: every WebSocket opened (or failed to).
  testing::AssertionResult ready(boost::json::object& out, std::chrono::milliseconds timeout) {
    if (!child_->wait_for_line("{\"event\": \"ready\"", deadline_in(timeout))) {
      return testing::AssertionFailure() << "ws_client.py hold did not get ready; stdout:\n"
                                         << child_->stdout_text() << "stderr:\n"
                                         << child_->stderr_text();
    }
    out = *event_line(child_->stdout_text(), "ready");
    return testing::AssertionSuccess();
  }

  /// ready(), and then that exactly `count` WebSockets opened.
  testing::AssertionResult all_open(int count, boost::json::object& out,
                                    std::chrono::milliseconds timeout) {
    if (auto got = ready(out, timeout); !got) {
      return got;
    }
    if (const auto open = number(out, "open"); open != count) {
      return testing::AssertionFailure() << open << " WebSockets open, expected " << count << ": "
                                         << boost::json::serialize(out);
    }
    return testing::AssertionSuccess();
  }

  /// How many rounds of echoes (one per WebSocket each) the script reported so far.
  int rounds() {
    const std::string out = child_->stdout_text();
    int ticks = 0;
    for (std::size_t at = out.find("{\"event\": \"tick\""); at != std::string::npos;
         at = out.find("{\"event\": \"tick\"", at + 1)) {
      ++ticks;
    }
    return ticks;
  }

  /// Asks the script to end (SIGUSR1) unless it ends on its own, and reads its result.
  testing::AssertionResult result(boost::json::object& out, bool ask_to_end) {
    if (ask_to_end) {
      ::kill(child_->pid(), SIGUSR1);
    }
    const auto status = child_->wait_exit(deadline_in(timeout_));
    child_->wait_output_closed(deadline_in(5s));
    auto found = event_line(child_->stdout_text(), "result");
    if (!status || *status != 0 || !found) {
      return testing::AssertionFailure()
             << "ws_client.py hold exit " << (status ? std::to_string(*status) : "timeout")
             << "; stdout:\n"
             << child_->stdout_text() << "stderr:\n"
             << child_->stderr_text();
    }
    out = *found;
    return testing::AssertionSuccess();
  }

 private:
  std::unique_ptr<child_process> child_;
  std::chrono::milliseconds timeout_{};
};

class websocket : public two_stacks {
 protected:
  /// All weight on green (start_ws(0, 100)), then `count` WebSockets held there that echo
  /// every 50 ms, the script ending once all are closed; `ready` is their ready event.
  /// The echo traffic makes a close that is not at a frame boundary fail with 1002.
  testing::AssertionResult open_echoing_on_green(std::optional<held_websockets>& held, int count,
                                                 boost::json::object& ready) {
    if (auto started = start_ws(0, 100); !started) {
      return started;
    }
    held.emplace(
        port(),
        held_websockets::options{
            .count = count, .interval_ms = 50, .exit_when_all_closed = true, .timeout_s = 15});
    return held->all_open(count, ready, 20s);
  }

  testing::AssertionResult start_ws(int blue, int green) {
    return start(blue, green, websocket_config());
  }

  std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port()) + "/ws"; }

  /// ws_client.py echo: binary, text and fragmented messages of `size`, ping, close.
  testing::AssertionResult echo(boost::json::object& out, std::size_t size,
                                const std::vector<std::string>& headers = {}) {
    std::vector<std::string> argv = {python,
                                     source_path("tests/integration/ws_client.py"),
                                     "echo",
                                     "--url",
                                     ws_url(),
                                     "--size",
                                     std::to_string(size),
                                     "--timeout",
                                     "20"};
    for (const auto& header : headers) {
      argv.emplace_back("--header");
      argv.push_back(header);
    }
    auto run = run_command(argv, 40s);
    auto found = event_line(run.out, "result");
    if (run.exit_status != 0 || !found) {
      return testing::AssertionFailure() << "ws_client.py echo exit " << run.exit_status << "\n"
                                         << run.out << run.err;
    }
    out = *found;
    return testing::AssertionSuccess();
  }

  /// The stack a new WebSocket lands on (one small echo).
  std::string new_websocket_stack() {
    boost::json::object result;
    EXPECT_TRUE(echo(result, 1000));
    EXPECT_TRUE(result["ok"].as_bool()) << boost::json::serialize(result);
    return result.contains("stack") ? std::string(result["stack"].as_string()) : "";
  }

  double active(const std::string& stack) {
    return proxy.metric("websocket_connections_active", {{"stack", stack}});
  }

  /// Polls /metrics until websocket_connections_active is `blue` and `green`.
  testing::AssertionResult active_becomes(double blue, double green) {
    return eventually(
        [&]() -> testing::AssertionResult {
          const double b = active("blue");
          const double g = active("green");
          if (b == blue && g == green) {
            return testing::AssertionSuccess();
          }
          return testing::AssertionFailure()
                 << "websocket_connections_active blue " << b << ", green " << g;
        },
        5000ms, "websocket_connections_active");
  }

  /// Polls the upstream's /stats until it serves `expected` WebSockets.
  testing::AssertionResult upstream_websockets_become(upstream_process& upstream, int expected) {
    return eventually(
        [&]() -> testing::AssertionResult {
          auto response = http_get(upstream.port(), "/stats");
          boost::system::error_code ec;
          auto json = boost::json::parse(response.body, ec);
          if (ec || !json.is_object()) {
            return testing::AssertionFailure() << "bad /stats: " << response.body;
          }
          const auto n = number(json.as_object(), "websockets");
          return testing::AssertionResult(n == expected)
                 << upstream.name() << " serves " << n << " WebSockets";
        },
        5000ms, "upstream WebSocket count");
  }
};

/// Checks a drain's closes: every WebSocket closed with 1001.
void expect_all_closed_with_1001(const boost::json::object& result, int count) {
  const auto& closed = result.at("closed").as_array();
  EXPECT_EQ(static_cast<int>(closed.size()), count) << boost::json::serialize(result);
  for (const auto& entry : closed) {
    EXPECT_EQ(number(entry.as_object(), "code"), 1001) << boost::json::serialize(entry);
  }
  EXPECT_EQ(number(result, "open_at_end"), 0);
  EXPECT_EQ(number(result, "echo_failures"), 0);
}

std::vector<double> close_times(const boost::json::object& result) {
  std::vector<double> times;
  for (const auto& entry : result.at("closed").as_array()) {
    times.push_back(entry.at("t").to_number<double>());
  }
  std::sort(times.begin(), times.end());
  return times;
}

TEST_F(websocket, echoes_one_mebibyte_messages_through_the_proxy) {
  ASSERT_TRUE(start_ws(90, 10));
  boost::json::object result;
  ASSERT_TRUE(echo(result, 1 << 20));
  EXPECT_TRUE(result["ok"].as_bool()) << boost::json::serialize(result);
  EXPECT_EQ(number(result, "close_code"), 1000);
  // The 101 names the stack, and the upstream that answered is that stack's.
  EXPECT_FALSE(result["stack"].as_string().empty());
  EXPECT_EQ(result["stack"], result["upstream"]);

  ASSERT_TRUE(echo(result, 1 << 20, {"X-QuikApp-Stack: green"}));
  EXPECT_TRUE(result["ok"].as_bool()) << boost::json::serialize(result);
  EXPECT_EQ(result["stack"], "green");
  EXPECT_EQ(result["upstream"], "green");
}

TEST_F(websocket, two_hundred_websockets_survive_twenty_weight_changes_under_http_load) {
  ASSERT_TRUE(start_ws(50, 50));
  held_websockets held(port(), {.count = 200, .interval_ms = 100, .timeout_s = 60});
  boost::json::object ready;
  ASSERT_TRUE(held.all_open(200, ready, 30s));
  EXPECT_EQ(number(ready, "set_cookie"), 200) << "the 101 sets the sticky cookie";
  const auto on_blue = stack_count(ready, "blue");
  const auto on_green = stack_count(ready, "green");
  EXPECT_NEAR(on_blue, 100, 2) << boost::json::serialize(ready);
  EXPECT_EQ(on_blue + on_green, 200) << boost::json::serialize(ready);
  EXPECT_TRUE(active_becomes(static_cast<double>(on_blue), static_cast<double>(on_green)));

  child_process bench({bin_path("quikedge-bench"), "--url",
                       "http://127.0.0.1:" + std::to_string(port()) + "/", "--connections", "8",
                       "--duration", "60", "--timeout", "5", "--json"});
  const std::vector<std::pair<int, int>> steps = {{90, 10}, {10, 90}, {1, 99}, {99, 1}, {50, 50}};
  double requests = proxy.metric("http_requests_total", {});
  int rounds = held.rounds();
  for (int change = 0; change < 20; ++change) {
    // Each change lands while HTTP load is flowing and after every WebSocket echoed
    // again since the last one: wait for fresh requests and a new round of echoes.
    ASSERT_TRUE(eventually(
        [&] {
          return proxy.metric("http_requests_total", {}) >= requests + 200 &&
                 held.rounds() > rounds;
        },
        10s, "HTTP load and WebSocket echoes through the proxy"))
        << bench.stderr_text();
    const auto [blue, green] = steps[static_cast<std::size_t>(change) % steps.size()];
    auto answer = proxy.set_weights({{"blue", blue}, {"green", green}});
    ASSERT_EQ(answer.status, 200) << answer.error << answer.body;
    requests = proxy.metric("http_requests_total", {});
    rounds = held.rounds();
  }
  ASSERT_TRUE(eventually([&] { return proxy.metric("http_requests_total", {}) >= requests + 200; },
                         10s, "HTTP load after the last change"));
  const auto report = stop_bench_for_report(bench);  // ends the run early
  ASSERT_TRUE(report.is_object());
  EXPECT_GT(number(report.as_object(), "requests"), 4000) << bench.stdout_text();
  EXPECT_EQ(number(report.at("errors").as_object(), "total"), 0) << bench.stdout_text();
  EXPECT_EQ(number(report.as_object(), "non_success"), 0) << bench.stdout_text();

  // Weight changes never touch a WebSocket.
  EXPECT_TRUE(active_becomes(static_cast<double>(on_blue), static_cast<double>(on_green)));
  boost::json::object result;
  ASSERT_TRUE(held.result(result, true));
  EXPECT_EQ(number(result, "opened"), 200);
  EXPECT_EQ(number(result, "open_at_end"), 200) << boost::json::serialize(result);
  EXPECT_EQ(number(result, "alive"), 200) << "every WebSocket still echoes";
  EXPECT_TRUE(result.at("closed").as_array().empty()) << boost::json::serialize(result);
  EXPECT_EQ(number(result, "echo_failures"), 0);
  EXPECT_GE(number(result, "echoes"), 20 * 200) << "a round of echoes between changes";
}

TEST_F(websocket, a_drain_closes_them_with_1001_spread_over_the_window) {
  constexpr int count = 20;
  // Echo traffic while the drain closes them: the 1001 must come at a frame boundary,
  // or the client fails the connection with 1002 instead.
  std::optional<held_websockets> held;
  boost::json::object ready;
  ASSERT_TRUE(open_echoing_on_green(held, count, ready));
  EXPECT_EQ(stack_count(ready, "green"), count);
  EXPECT_TRUE(active_becomes(0, count));

  const auto before = test_clock::now();
  auto answer = proxy.set_weights({{"blue", 100}, {"green", 0}});
  ASSERT_EQ(answer.status, 200) << answer.error << answer.body;
  const auto after = test_clock::now();
  // New WebSockets land on the new stack at once, while green drains.
  EXPECT_EQ(new_websocket_stack(), "blue");

  boost::json::object result;
  ASSERT_TRUE(held->result(result, false));
  expect_all_closed_with_1001(result, count);
  const auto times = close_times(result);
  ASSERT_EQ(static_cast<int>(times.size()), count);
  const double start = monotonic_seconds(before);
  const double window = std::chrono::duration<double>(drain_window).count();
  EXPECT_GE(times.front(), start);
  EXPECT_LE(times.back(), monotonic_seconds(after) + window + 0.5)
      << "every WebSocket is closed by the end of the window";
  EXPECT_GE(times.back() - times.front(), 1.0) << "closes spread over the window, not all at once";
  // Evenly spread: no 200 ms holds half of them, and each half of the window holds at
  // least a quarter (evenly: a tenth per 200 ms; the margin is for a busy machine).
  for (std::size_t i = 0; i < times.size(); ++i) {
    const auto within = std::upper_bound(times.begin(), times.end(), times[i] + 0.2) -
                        (times.begin() + static_cast<long>(i));
    EXPECT_LT(within, count / 2) << "closes bunched after " << times[i] - start << " s";
  }
  const auto first_half =
      std::upper_bound(times.begin(), times.end(), start + window / 2) - times.begin();
  EXPECT_GE(first_half, count / 4);
  EXPECT_LE(first_half, count - count / 4);

  EXPECT_TRUE(active_becomes(0, 0));
  EXPECT_TRUE(upstream_websockets_become(green(), 0)) << "the upstream side is closed too";
  EXPECT_EQ(new_websocket_stack(), "blue");
}

TEST_F(websocket, a_rollback_closes_them_at_once) {
  constexpr int count = 20;
  std::optional<held_websockets> held;
  boost::json::object ready;
  ASSERT_TRUE(open_echoing_on_green(held, count, ready));
  EXPECT_TRUE(active_becomes(0, count));

  auto answer = proxy.admin("POST", "/api/v1/rollback", R"({"to":"blue"})");
  ASSERT_EQ(answer.status, 200) << answer.error << answer.body;
  const auto after = test_clock::now();

  boost::json::object result;
  ASSERT_TRUE(held->result(result, false));
  expect_all_closed_with_1001(result, count);
  const auto times = close_times(result);
  ASSERT_FALSE(times.empty());
  // rollback_drain_timeout 0: all at once (the proxy sweeps tunnels every 100 ms).
  EXPECT_LE(times.back(), monotonic_seconds(after) + 0.5);
  EXPECT_LE(times.back() - times.front(), 0.3);
  EXPECT_TRUE(active_becomes(0, 0));
  EXPECT_EQ(new_websocket_stack(), "blue");
}

TEST_F(websocket, raising_the_weight_again_ends_the_drain_and_the_websockets_stay) {
  ASSERT_TRUE(start_ws(0, 100));
  constexpr int count = 10;
  held_websockets held(port(), {.count = count, .interval_ms = 100, .timeout_s = 20});
  boost::json::object ready;
  ASSERT_TRUE(held.all_open(count, ready, 20s));

  const auto drain_started = test_clock::now();
  ASSERT_EQ(proxy.set_weights({{"blue", 100}, {"green", 0}}).status, 200);
  ASSERT_EQ(proxy.set_weights({{"blue", 90}, {"green", 10}}).status, 200);
  // Watched until well past the old window: nothing is closed.
  EXPECT_TRUE(eventually(
      [&]() -> testing::AssertionResult {
        EXPECT_EQ(active("green"), count);
        return testing::AssertionResult(test_clock::now() > drain_started + drain_window + 500ms);
      },
      drain_window + 3000ms, "watching past the window"));
  boost::json::object result;
  ASSERT_TRUE(held.result(result, true));
  EXPECT_TRUE(result.at("closed").as_array().empty()) << boost::json::serialize(result);
  EXPECT_EQ(number(result, "alive"), count);
}

TEST_F(websocket, an_override_websocket_to_a_drained_stack_stays_open) {
  ASSERT_TRUE(start_ws(0, 100));
  // Drain blue (it had no weight to begin with, so first give it some), let the drain end.
  ASSERT_EQ(proxy.set_weights({{"blue", 50}, {"green", 50}}).status, 200);
  ASSERT_EQ(proxy.set_weights({{"blue", 0}, {"green", 100}}).status, 200);
  ASSERT_TRUE(
      eventually([&] { return !proxy.state().at("stacks").at("blue").at("draining").as_bool(); },
                 drain_window + 3000ms, "blue's drain to end"));
  // Forced onto blue at weight 0 by the override header, as HTTP requests may be.
  held_websockets held(port(), {.count = 3, .timeout_s = 10, .headers = {"X-QuikApp-Stack: blue"}});
  boost::json::object ready;
  ASSERT_TRUE(held.ready(ready, 20s));
  ASSERT_EQ(stack_count(ready, "blue"), 3) << boost::json::serialize(ready);
  // Nothing drains blue any more: it stays open (checked over a few sweeps of the proxy).
  const auto opened = test_clock::now();
  EXPECT_TRUE(eventually(
      [&]() -> testing::AssertionResult {
        return testing::AssertionResult(test_clock::now() > opened + 500ms);
      },
      2000ms, "a few sweeps"));
  boost::json::object result;
  ASSERT_TRUE(held.result(result, true));
  // Regression guard: the table published at the end of a drain used to mark every
  // tunnel of the stack for closing, new ones included, until the next publish.
  EXPECT_TRUE(result.at("closed").as_array().empty()) << boost::json::serialize(result);
  EXPECT_EQ(number(result, "alive"), 3);
}

TEST_F(websocket, tunnels_that_go_quiet_give_back_their_relay_buffers_and_keep_relaying) {
  ASSERT_TRUE(start_ws(50, 50));
  constexpr int count = 50;
  held_websockets held(port(), {.count = count, .warm = true, .timeout_s = 20});
  boost::json::object ready;
  ASSERT_TRUE(held.all_open(count, ready, 20s));
  ASSERT_EQ(number(ready, "warm_echoes"), count) << boost::json::serialize(ready);
  // Every tunnel relayed both ways (on io_uring each direction then keeps its
  // buffer with a read posted); a quiet sweep period later none holds a buffer.
  EXPECT_TRUE(
      eventually([&] { return proxy.metric("quikedge_websocket_relay_buffer_bytes", {}) == 0; },
                 3000ms, "the relay buffers to be given back"))
      << proxy.metric("quikedge_websocket_relay_buffer_bytes", {});
  // And they still relay: the cancelled reads went back to waiting for bytes.
  boost::json::object result;
  ASSERT_TRUE(held.result(result, true));
  EXPECT_EQ(number(result, "alive"), count) << boost::json::serialize(result);
  EXPECT_TRUE(result.at("closed").as_array().empty()) << boost::json::serialize(result);
}

TEST_F(websocket, quikedge_bench_websocket_mode_echoes_through_the_proxy) {
  ASSERT_TRUE(start_ws(50, 50));
  auto run = run_command(
      {bin_path("quikedge-bench"), "--websocket", "--url",
       "http://127.0.0.1:" + std::to_string(port()) + "/ws", "--connections", "8", "--requests",
       "400", "--message-size", "64k", "--count-header", "X-QuikEdge-Stack", "--json"},
      30s);
  ASSERT_EQ(run.exit_status, 0) << run.out << run.err;
  boost::system::error_code ec;
  auto report = boost::json::parse(run.out, ec);
  ASSERT_FALSE(ec) << run.out;
  const auto& object = report.as_object();
  EXPECT_EQ(number(object, "messages"), 400) << run.out;
  EXPECT_EQ(number(object.at("errors").as_object(), "total"), 0) << run.out;
  EXPECT_EQ(number(object.at("websockets").as_object(), "opened"), 8) << run.out;
  const auto& tally = object.at("count_header").at("values").as_object();
  EXPECT_EQ(number(tally, "blue") + number(tally, "green"), 8) << run.out;
  EXPECT_GT(number(object.at("latency_us").as_object(), "p50"), 0);

  // --idle: opened, held with no traffic, all still open at the end.
  auto idle = run_command({bin_path("quikedge-bench"), "--websocket", "--idle", "--url",
                           "http://127.0.0.1:" + std::to_string(port()) + "/ws", "--connections",
                           "100", "--duration", "300ms", "--json"},
                          30s);
  ASSERT_EQ(idle.exit_status, 0) << idle.out << idle.err;
  report = boost::json::parse(idle.out, ec);
  ASSERT_FALSE(ec) << idle.out;
  const auto& held = report.at("websockets").as_object();
  EXPECT_EQ(number(held, "opened"), 100) << idle.out;
  EXPECT_EQ(number(held, "open_at_end"), 100) << idle.out;
  EXPECT_EQ(number(held, "closed_by_peer"), 0) << idle.out;
  EXPECT_NE(idle.err.find("idle: 100 of 100 WebSockets open"), std::string::npos) << idle.err;
}

}  // namespace
}  // namespace quikedge::test
