// What the rollout engine needs from the proxy: the configured stacks, the
// live weights, a way to change them (audited, versioned changes like any
// other) and the target stack's counters. The control plane implements it;
// tests use a fake. Control thread only.
#pragma once

#include <optional>
#include <string>

#include "quikedge/config.hpp"
#include "rollout/gate_window.hpp"
#include "server/change.hpp"

namespace quikedge::rollout {

class traffic_control {
 public:
  virtual ~traffic_control() = default;

  [[nodiscard]] virtual const config& settings() const = 0;
  [[nodiscard]] virtual const server::weight_map& weights() const = 0;

  /// Replaces the weights (every configured stack named); `done` runs once
  /// every worker uses them.
  virtual void set_weights(const server::weight_map& weights,
                           std::optional<std::uint64_t> expected_version,
                           const server::change_origin& origin, const std::string& action,
                           server::done_fn done) = 0;
  /// All weight to `to` at once, draining the stack it leaves over the
  /// rollback drain window.
  virtual void rollback(const std::optional<std::string>& to, const server::change_origin& origin,
                        server::done_fn done) = 0;

  /// The cumulative counters of the configured stack `stack`, summed over
  /// the workers and read at `now`, and whether it has a healthy endpoint.
  [[nodiscard]] virtual counter_sample sample_stack(const std::string& stack,
                                                    steady_time now) const = 0;
};

}  // namespace quikedge::rollout
