// Passive outlier detection, per worker: consecutive failures (connect errors,
// resets, 5xx) eject an endpoint for a backoff that doubles on every repeat.
// Worker-local on purpose: no shared state on the request path, and each worker
// sees enough traffic to notice a dead endpoint within a few requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "quikedge/config.hpp"
#include "routing/routing_table.hpp"

namespace quikedge::upstream {

class outlier_tracker {
 public:
  using clock = std::chrono::steady_clock;

  [[nodiscard]] bool ejected(routing::endpoint_id id, clock::time_point now) const;

  void on_success(routing::endpoint_id id);

  /// Counts a failure of `endpoint` of `stack`. Ejects it when the stack's
  /// outlier_detection says so, but never the last usable endpoint of the stack
  /// unless eject_last_endpoint is set. Returns true if it ejected.
  bool on_failure(const routing::stack_entry& stack, routing::endpoint_id endpoint,
                  const outlier_detection_config& settings, clock::time_point now);

  /// An endpoint that refused a connection is down for this worker at once,
  /// outlier_detection configured or not: 1 s, doubling while it stays down (to
  /// 30 s), so requests stop paying a failed connect before health checks notice.
  void on_unreachable(routing::endpoint_id endpoint, clock::time_point now);

  /// Forgets unreachable marks: a new routing table carries fresher health
  /// (an endpoint the checker saw come back takes traffic again at once).
  void clear_unreachable();

  /// A stack with a healthy endpoint this worker has not ejected.
  [[nodiscard]] bool stack_usable(const routing::stack_entry& stack, clock::time_point now) const;

  /// Ejections so far on this worker (for metrics and tests).
  [[nodiscard]] std::uint64_t ejections() const { return ejections_; }

 private:
  struct state {
    unsigned consecutive_failures = 0;
    unsigned times_ejected = 0;
    clock::time_point ejected_until{};
    unsigned times_unreachable = 0;
    clock::time_point unreachable_until{};
  };
  state& at(routing::endpoint_id id);

  std::vector<state> states_;  ///< index: endpoint id
  std::uint64_t ejections_ = 0;
};

}  // namespace quikedge::upstream
