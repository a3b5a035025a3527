// Fake cumulative counters of a rollout's target stack, advanced by the test,
// and a fake steady clock: the rollout code runs without real time or a proxy.
#pragma once

#include <chrono>

#include "rollout/gate_window.hpp"

namespace quikedge::rollout::test {

using namespace std::chrono_literals;

class fake_target {
 public:
  /// `count` responses with `status`, each taking `latency`.
  void serve(std::uint64_t count, int status = 200,
             std::chrono::milliseconds latency = std::chrono::milliseconds(2)) {
    counters_.requests += count;
    if (status >= 500) {
      counters_.errors += count;
    }
    const double seconds = std::chrono::duration<double>(latency).count();
    std::size_t bucket = 0;
    while (bucket < metrics::duration_bounds.size() && seconds > metrics::duration_bounds[bucket]) {
      ++bucket;
    }
    counters_.buckets[bucket] += count;
  }

  /// The counters as read at `at`.
  [[nodiscard]] counter_sample sample(steady_time at) const {
    counter_sample out = counters_;
    out.at = at;
    return out;
  }

 private:
  counter_sample counters_;
};

/// A steady clock that only moves when told.
struct fake_clock {
  steady_time now{std::chrono::hours(1000)};
  steady_time advance(std::chrono::milliseconds by) { return now += by; }
};

}  // namespace quikedge::rollout::test
