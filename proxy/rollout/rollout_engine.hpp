// The rollout engine: runs the rollout state machine on the control thread.
// It samples the target stack's counters every 250 ms, turns the machine's
// decisions into versioned, audited weight changes through traffic_control,
// persists every transition and resumes a persisted rollout at start-up. It
// watches the state store's commits: a foreign change of the weights ends an
// active rollout. In a fleet only the replica that leads drives it; the
// others show the stored rollout and pass operators' actions to the leader.
// Control thread only; it never blocks beyond a small fsync'd file write.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <string>

#include "rollout/rollout_control.hpp"
#include "rollout/rollout_machine.hpp"
#include "rollout/rollout_persistence.hpp"
#include "rollout/rollout_plan.hpp"
#include "rollout/traffic_control.hpp"
#include "server/state_store.hpp"

namespace quikedge::rollout {

class rollout_engine final : public rollout_control, public server::state_observer {
 public:
  /// Keeps rollouts in `persistence`; in a fleet it drives them only while
  /// `leadership` says it leads (null: always). Both must outlive the engine.
  rollout_engine(boost::asio::io_context& control_io, traffic_control& traffic,
                 rollout_persistence& persistence, const rollout_leadership* leadership);
  ~rollout_engine() override;
  rollout_engine(const rollout_engine&) = delete;
  rollout_engine& operator=(const rollout_engine&) = delete;

  /// Resumes a progressing or paused rollout found in the state file (its
  /// weights are applied again). Call once the proxy serves.
  void start();
  /// Stops sampling; the persisted state stays for the next start.
  void stop();

  /// This replica was elected to lead: continue the stored rollout, if one is
  /// active, at its step.
  void lead();
  /// Another replica leads (or none does yet): stop driving and show
  /// `stored`, the rollout as the leader keeps it.
  void follow(const std::optional<stored_rollout>& stored);

  [[nodiscard]] rollout_state state() const override { return machine_.state(); }
  [[nodiscard]] std::string status_json() const override;
  [[nodiscard]] std::string gate_metrics() const override;
  void begin(const start_request& request, const server::change_origin& origin,
             server::done_fn done) override;
  void act(rollout_action action, const server::change_origin& origin,
           server::done_fn done) override;
  [[nodiscard]] std::optional<std::string> leader_address() const override;
  [[nodiscard]] std::optional<std::string> driving_replica() const override;
  [[nodiscard]] std::optional<std::string> elected_leader() const override;

  /// Every committed change: a rollback, or any change of the weights not
  /// made by the engine itself (source rollout), ends an active rollout as
  /// aborted.
  void on_state_committed(const server::live_state& state,
                          const server::change_record& change) override;

  [[nodiscard]] const rollout_machine& machine() const { return machine_; }

 private:
  void apply(const rollout_effect& effect, server::change_origin origin, server::done_fn done);
  [[nodiscard]] server::weight_map weights_for(std::uint32_t target_weight) const;
  /// True unless a fleet's leadership says another replica drives.
  [[nodiscard]] bool leads() const;
  /// Continues the stored rollout; `how` says why for its reason.
  void restore(const std::string& how);
  void persist();
  void arm_timer();
  void on_timer();
  void sample_now();

  traffic_control& traffic_;
  rollout_persistence& persistence_;
  const rollout_leadership* leadership_ = nullptr;  ///< null: one process, always leads
  rollout_machine machine_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace quikedge::rollout
