// Polls a condition until it holds or a timeout passes, instead of sleeping a fixed time.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <thread>
#include <type_traits>

namespace quikedge::test {

/// Calls `condition` (returning bool or testing::AssertionResult) until it succeeds,
/// with short growing pauses between tries, at most `timeout` and 10,000 tries long.
/// On failure the result carries the last failure message of the condition.
template <class Condition>
testing::AssertionResult eventually(Condition&& condition, std::chrono::milliseconds timeout,
                                    std::string_view what = "condition") {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  std::string last_message;
  for (int attempt = 1; attempt <= 10'000; ++attempt) {
    testing::AssertionResult result = testing::AssertionResult(condition());
    if (result) {
      return testing::AssertionSuccess();
    }
    last_message = result.message();
    if (std::chrono::steady_clock::now() >= deadline) {
      return testing::AssertionFailure()
             << what << " did not hold within " << timeout.count() << " ms after " << attempt
             << " tries" << (last_message.empty() ? "" : ": ") << last_message;
    }
    std::this_thread::sleep_for(std::min(
        pause, std::chrono::duration_cast<std::chrono::milliseconds>(
                   deadline - std::chrono::steady_clock::now() + std::chrono::milliseconds(1))));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return testing::AssertionFailure() << what << " did not hold after 10000 tries: " << last_message;
}

}  // namespace quikedge::test
