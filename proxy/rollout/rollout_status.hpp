// Read-only views of a rollout: the GET /api/v1/rollout document and the
// Prometheus lines of its gate values. Times are shown on the wall clock.
#pragma once

#include <chrono>
#include <string>

#include "rollout/rollout_machine.hpp"

namespace quikedge::rollout {

/// The two clocks at one instant: the machine runs on steady time, people and
/// the state file read wall time.
struct clock_pair {
  steady_time steady;
  std::chrono::system_clock::time_point wall;

  [[nodiscard]] std::chrono::system_clock::time_point to_wall(steady_time t) const {
    return wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - steady);
  }
};

/// "2026-01-02T03:04:05.678Z"
std::string iso_time_ms(std::chrono::system_clock::time_point when);

/// The GET /api/v1/rollout document: state, from, to, step (0-based), weight,
/// next_step_at, last_gate, reason, plus steps, gates and pause_left_seconds.
std::string render_status(const rollout_machine& machine, const clock_pair& now);

/// Gauges of the rollout's progress and last gate evaluation, in Prometheus
/// text format, for appending to /metrics.
std::string render_gate_metrics(const rollout_machine& machine, const std::string& environment);

}  // namespace quikedge::rollout
