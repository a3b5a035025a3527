// The rollout engine: runs the rollout state machine on the control thread.
// It samples the target stack's counters every 250 ms, turns the machine's
// decisions into versioned, audited weight changes through the control plane,
// persists every transition and resumes a persisted rollout at start-up.
// Control thread only; it never blocks beyond a small fsync'd file write.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <string>

#include "rollout/rollout_machine.hpp"
#include "rollout/rollout_plan.hpp"
#include "server/control_plane.hpp"

namespace quikedge::rollout {

class rollout_engine {
 public:
  using done_fn = server::control_plane::done_fn;

  /// Hooks itself into `control` (status JSON, state name) and makes itself
  /// findable by the admin handlers through find_engine().
  rollout_engine(boost::asio::io_context& control_io, server::control_plane& control);
  ~rollout_engine();
  rollout_engine(const rollout_engine&) = delete;
  rollout_engine& operator=(const rollout_engine&) = delete;

  /// Resumes a progressing or paused rollout found in the state file (its
  /// weights are applied again). Call after control_plane::start().
  void start();
  /// Stops sampling; the persisted state stays for the next start.
  void stop();

  /// POST /api/v1/rollout: 400 unknown stack, 409 one already active or
  /// nothing to move; `done` runs once every worker uses the first step.
  void begin(const start_request& request, const server::change_origin& origin, done_fn done);
  /// "pause", "resume", "promote" or "abort"; 409 when not applicable.
  void act(const std::string& verb, const server::change_origin& origin, done_fn done);

  /// To be called for every applied control-plane change: a rollback, or any
  /// foreign change of the weights, ends an active rollout as aborted.
  void on_control_change(const server::change_origin& origin, const std::string& action,
                         const std::string& before, const std::string& after);

  [[nodiscard]] std::string status_json() const;
  /// Prometheus lines of the gate values (see render_gate_metrics).
  [[nodiscard]] std::string gate_metrics() const;
  [[nodiscard]] const rollout_machine& machine() const { return machine_; }

 private:
  void apply(const rollout_effect& effect, server::change_origin origin, done_fn done);
  [[nodiscard]] server::control_plane::weight_map weights_for(std::uint32_t target_weight) const;
  void restore();
  void persist();
  void arm_timer();
  void on_timer();
  void sample_now();

  server::control_plane& control_;
  rollout_machine machine_;
  boost::asio::steady_timer timer_;
  bool own_change_ = false;  ///< set while the engine's own change is being published
  bool stopped_ = false;
};

/// The engine attached to `control`, or nullptr (e.g. in a build without one).
rollout_engine* find_engine(const server::control_plane& control);

}  // namespace quikedge::rollout
