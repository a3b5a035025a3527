// Shared by the rollout integration tests: blue (all weight) and green behind a
// proxy with a rollout section, admin helpers for /api/v1/rollout, and a small
// paced load generator whose request paths the test chooses.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "support/two_stacks.hpp"

namespace quikedge::test {

using namespace std::chrono_literals;

/// Keep-alive GETs from `threads` threads until destroyed, each thread pausing
/// `pace` between requests so a loaded 2-core machine keeps up. `path` picks
/// each request's target from a per-thread seeded random generator.
class load_generator {
 public:
  using path_fn = std::function<std::string(std::mt19937&)>;

  load_generator(std::uint16_t port, path_fn path, int threads = 2,
                 std::chrono::microseconds pace = 2ms) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, port, path, pace, t] {
        std::mt19937 random(1234 + t);
        http_client client;
        while (!stop_.load()) {
          if (!client.is_open() && !client.connect(port, 2s)) {
            std::this_thread::sleep_for(10ms);
            continue;
          }
          auto response = client.get(path(random), {}, 5s);
          ++sent_;
          if (response.status == 0 || !response.keep_alive) {
            client.close();
          }
          std::this_thread::sleep_for(pace);
        }
      });
    }
  }
  ~load_generator() {
    stop_ = true;
    for (auto& thread : threads_) {
      thread.join();
    }
  }
  load_generator(const load_generator&) = delete;
  load_generator& operator=(const load_generator&) = delete;

  [[nodiscard]] std::uint64_t sent() const { return sent_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sent_{0};
  std::vector<std::thread> threads_;
};

/// Every request to "/".
inline std::string healthy_path(std::mt19937&) {
  return "/";
}

class rollout_fixture : public two_stacks {
 protected:
  /// blue 100 / green 0 with `rollout_yaml` (a top-level "rollout:" section).
  testing::AssertionResult start_with(const std::string& rollout_yaml) {
    proxy_config config;
    config.top_level_extra = rollout_yaml;
    return start(100, 0, config);
  }

  /// GET /api/v1/rollout, parsed (a null value when that fails).
  boost::json::value rollout() {
    auto response = proxy.admin("GET", "/api/v1/rollout");
    boost::system::error_code ec;
    auto value = boost::json::parse(response.body, ec);
    return ec || response.status != 200 ? boost::json::value() : value;
  }

  std::string field(const boost::json::value& doc, std::string_view key) {
    const auto* object = doc.if_object();
    const auto* value = object != nullptr ? object->if_contains(key) : nullptr;
    return value == nullptr     ? ""
           : value->is_string() ? std::string(value->as_string())
                                : boost::json::serialize(*value);
  }

  /// Polls until the rollout state is one of `states`; `doc` gets the last status.
  testing::AssertionResult wait_state(const std::set<std::string>& states,
                                      std::chrono::milliseconds timeout, boost::json::value& doc) {
    return eventually(
        [&]() -> testing::AssertionResult {
          doc = rollout();
          if (states.count(field(doc, "state")) != 0) {
            return testing::AssertionSuccess();
          }
          return testing::AssertionFailure() << boost::json::serialize(doc);
        },
        timeout, "rollout state");
  }

  /// POST a rollout call; the body defaults to what quikctl sends.
  http_response post(std::string_view path, std::string_view body = "{}") {
    return proxy.admin("POST", path, body);
  }

  /// The live weights as "blue=W green=W".
  std::string live_weights() {
    auto state = proxy.state();
    if (!state.is_object()) {
      return "no state";
    }
    const auto& weights = state.at("weights").as_object();
    return "blue=" + boost::json::serialize(weights.at("blue")) +
           " green=" + boost::json::serialize(weights.at("green"));
  }

  std::uint64_t version() { return proxy.state().at("version").to_number<std::uint64_t>(); }
};

}  // namespace quikedge::test
