// A stack's cumulative counters summed over the workers, as the rollout gates
// sample them. Control thread only; the counters are relaxed atomics each
// written by one worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rollout/gate_window.hpp"
#include "routing/routing_table.hpp"
#include "server/worker.hpp"

namespace quikedge::server {

/// The counters of the stack called `stack` in `table`, read at `now`, and
/// whether it has a healthy endpoint. Zeros when no such stack exists.
rollout::counter_sample read_stack_counters(const routing::routing_table& table,
                                            const std::vector<std::unique_ptr<worker>>& workers,
                                            const std::string& stack, rollout::steady_time now);

}  // namespace quikedge::server
