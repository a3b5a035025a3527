// Driving quikedge's etcd client (proxy/etcd) from a test thread: run its
// io_context until a condition holds or a deadline passes, and one call run
// to its answer. Shared by the etcd client tests, plain and secure.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "etcd/gateway_client.hpp"

namespace quikedge::test {

struct gateway_answer {
  boost::system::error_code ec;
  unsigned status = 0;
  std::string body;
};

/// Runs `io` in 5 ms slices until `done` or `limit`; false on the deadline.
inline bool run_io_until(boost::asio::io_context& io, const std::function<bool()>& done,
                         std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    io.run_for(std::chrono::milliseconds(5));
    io.restart();
  }
  return true;
}

/// One call through `client`, run until it answers (a test failure after `limit`).
inline gateway_answer call_and_wait(boost::asio::io_context& io, etcd::gateway_client& client,
                                    const std::string& path, const std::string& body,
                                    std::chrono::milliseconds limit) {
  std::optional<gateway_answer> got;
  client.call(path, body,
              [&](const boost::system::error_code& ec, unsigned status, std::string text) {
                got = gateway_answer{ec, status, std::move(text)};
              });
  EXPECT_TRUE(run_io_until(
      io, [&] { return got.has_value(); }, limit))
      << path << " never answered";
  return got.value_or(gateway_answer{});
}

}  // namespace quikedge::test
