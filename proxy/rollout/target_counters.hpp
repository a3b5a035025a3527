// The proxy side of the rollout gates: a stack's cumulative counters summed
// over the workers, and its share of the weights. Control thread only; the
// counters are relaxed atomics each written by one worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rollout/gate_window.hpp"
#include "routing/routing_table.hpp"
#include "server/change.hpp"
#include "server/worker.hpp"

namespace quikedge::rollout {

/// The counters of the stack called `stack` in `table`, read at `now`, and
/// whether it has a healthy endpoint. Zeros when no such stack exists.
counter_sample read_target_counters(const routing::routing_table& table,
                                    const std::vector<std::unique_ptr<server::worker>>& workers,
                                    const std::string& stack, steady_time now);

/// The stack's share of all weight, in percent (rounded down).
std::uint32_t weight_share(const server::weight_map& weights, const std::string& stack);

}  // namespace quikedge::rollout
