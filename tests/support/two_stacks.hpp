// Base fixture of most integration tests: a blue and a green quikedge-upstream and a
// proxy in front of them.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/upstream_process.hpp"

namespace quikedge::test {

class two_stacks : public ::testing::Test {
 protected:
  /// Starts both upstreams (with `upstream_args`) and the proxy with these weights;
  /// `config` supplies everything else (its stacks, if any, come after blue and green).
  testing::AssertionResult start(int blue_weight, int green_weight, proxy_config config = {},
                                 const std::vector<std::string>& upstream_args = {}) {
    if (auto started = start_upstreams(upstream_args); !started) {
      return started;
    }
    config.stacks.insert(config.stacks.begin(), {{"blue", {blue_->address()}, blue_weight},
                                                 {"green", {green_->address()}, green_weight}});
    return proxy.start(config);
  }

  /// Starts only the upstreams blue and green (with `upstream_args`), for fixtures that
  /// start the proxy themselves.
  testing::AssertionResult start_upstreams(const std::vector<std::string>& upstream_args = {}) {
    blue_ = std::make_unique<upstream_process>("blue", upstream_args);
    green_ = std::make_unique<upstream_process>("green", upstream_args);
    if (auto started = blue_->start(); !started) {
      return started;
    }
    return green_->start();
  }

  /// start(100, 0) with limits.max_request_body_bytes at `bytes`.
  testing::AssertionResult start_with_body_limit(std::uint64_t bytes) {
    proxy_config config;
    config.top_level_extra = "limits: { max_request_body_bytes: " + std::to_string(bytes) + " }\n";
    return start(100, 0, config);
  }

  upstream_process& blue() { return *blue_; }
  upstream_process& green() { return *green_; }
  [[nodiscard]] std::uint16_t port() const { return proxy.http_port(); }

  /// Sends `count` GETs and counts the X-QuikEdge-Stack values; a failed request
  /// counts under "error: <reason>". `reuse`: one keep-alive connection, else one each.
  std::map<std::string, int> split(int count, bool reuse, const header_list& headers = {}) {
    std::map<std::string, int> seen;
    http_client client;
    for (int i = 0; i < count; ++i) {
      if (!reuse || !client.is_open()) {
        client.connect(port());
      }
      auto response = client.get("/", headers);
      if (response.status != 200) {
        ++seen["error: " + std::to_string(response.status) + " " + response.error];
        client.close();
        continue;
      }
      ++seen[response.header("X-QuikEdge-Stack")];
      if (!reuse || !response.keep_alive) {
        client.close();
      }
    }
    return seen;
  }

  // Declared before the proxy so that the proxy stops first.
  std::unique_ptr<upstream_process> blue_;
  std::unique_ptr<upstream_process> green_;
  proxy_process proxy;
};

/// two_stacks started in SetUp at these weights, for fixtures that need nothing more.
template <int blue_weight, int green_weight>
class two_stacks_at : public two_stacks {
 protected:
  void SetUp() override { ASSERT_TRUE(start(blue_weight, green_weight)); }
};

}  // namespace quikedge::test
