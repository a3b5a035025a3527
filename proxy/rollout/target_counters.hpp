// The proxy side of the rollout gates: a stack's cumulative counters summed
// over the workers, and its share of the weights. Control thread only; the
// counters are relaxed atomics each written by one worker.
#pragma once

#include <string>

#include "rollout/gate_window.hpp"
#include "server/control_plane.hpp"

namespace quikedge::rollout {

/// The counters of the configured stack called `stack`, read at `now`, and
/// whether it has a healthy endpoint. Zeros when no such stack exists.
counter_sample read_target_counters(const server::control_plane& control, const std::string& stack,
                                    steady_time now);

/// The stack's share of all weight, in percent (rounded down).
std::uint32_t weight_share(const server::control_plane::weight_map& weights,
                           const std::string& stack);

}  // namespace quikedge::rollout
