// The traffic a fleet's rollout leader drives: the control plane of its own
// process for every change, and for the gates the target's counters summed
// over every replica (its own from its workers, the others' as they publish
// them). Control thread only.
#pragma once

#include "rollout/fleet_counters.hpp"
#include "rollout/traffic_control.hpp"

namespace quikedge::rollout {

class fleet_traffic final : public traffic_control {
 public:
  /// Both must outlive this object.
  fleet_traffic(traffic_control& local, const fleet_counter_sum& others)
      : local_(local), others_(others) {}

  [[nodiscard]] const config& settings() const override { return local_.settings(); }
  [[nodiscard]] const server::weight_map& weights() const override { return local_.weights(); }
  void set_weights(const server::weight_map& weights, std::optional<std::uint64_t> expected_version,
                   const server::change_origin& origin, const std::string& action,
                   server::done_fn done) override {
    local_.set_weights(weights, expected_version, origin, action, std::move(done));
  }
  void rollback(const std::optional<std::string>& to, const server::change_origin& origin,
                server::done_fn done) override {
    local_.rollback(to, origin, std::move(done));
  }
  [[nodiscard]] counter_sample sample_stack(const std::string& stack,
                                            steady_time now) const override {
    return others_.total(stack, local_.sample_stack(stack, now));
  }

 private:
  traffic_control& local_;
  const fleet_counter_sum& others_;
};

}  // namespace quikedge::rollout
