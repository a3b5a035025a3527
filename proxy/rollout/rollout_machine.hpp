// The rollout state machine: idle → progressing ⇄ paused → succeeded |
// rolled_back | aborted. Pure logic driven by explicit times and counter
// samples; it never touches the proxy. Each call returns the weight change the
// caller must apply (and audit, and persist), so tests run it with a fake clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "rollout/gate_window.hpp"
#include "rollout/rollout_plan.hpp"

namespace quikedge::rollout {

enum class rollout_state { idle, progressing, paused, succeeded, rolled_back, aborted };

std::string_view to_string(rollout_state state);
std::optional<rollout_state> state_from_string(std::string_view text);
/// progressing or paused: the rollout owns the weights.
bool is_active(rollout_state state);

/// A change of the live weights the machine asks for. `target_weight` is the
/// target's percentage: target gets it, `from` gets the rest, others 0.
struct rollout_effect {
  enum class kind { none, set_weights, rollback };
  kind what = kind::none;
  std::uint32_t target_weight = 0;
  std::string action;  ///< audit action, e.g. "rollout_step"
  std::string reason;  ///< audit reason
};

/// Outcome of an operator action: status 200 with an effect, or an error.
struct action_result {
  int status = 200;
  std::string error;
  rollout_effect effect;
};

/// What survives a restart (see rollout_store).
struct rollout_snapshot {
  rollout_state state = rollout_state::idle;
  std::string from;
  std::string to;
  std::size_t step = 0;
  std::uint32_t weight = 0;
  rollout_plan plan;
  std::string reason;
  std::string started_by;
};

class rollout_machine {
 public:
  action_result start(const std::string& from, const std::string& to, const rollout_plan& plan,
                      steady_time now, const std::string& started_by);
  action_result pause(steady_time now, const std::string& by);
  action_result resume(steady_time now, const std::string& by);
  /// Jumps to 100% and succeeds.
  action_result promote(steady_time now, const std::string& by);
  /// Reverts all weight to `from`.
  action_result abort(steady_time now, const std::string& by);

  /// Records the target's counters, re-evaluates the gates and the step's
  /// pause: a failing gate, or a target without a healthy endpoint, rolls
  /// back (also while paused); a finished pause
  /// with passing gates advances or succeeds; too little traffic waits.
  rollout_effect on_sample(const counter_sample& sample);

  /// The weights changed outside the rollout (rollback, reload): it ends as
  /// aborted without a change of its own; `target_weight` is the target's
  /// share (percent) of the new weights. False when none was active.
  bool interrupt(const std::string& reason, std::uint32_t target_weight);
  /// A change the machine asked for was refused; the rollout ends as aborted.
  void fail(const std::string& reason);

  /// Continues a persisted rollout: an active one resumes its step with
  /// `pause_left` of its pause remaining (frozen if it was paused).
  void restore(const rollout_snapshot& snapshot, steady_time now,
               std::chrono::milliseconds pause_left);
  [[nodiscard]] rollout_snapshot snapshot() const;

  [[nodiscard]] rollout_state state() const { return state_; }
  [[nodiscard]] const std::string& from() const { return from_; }
  [[nodiscard]] const std::string& to() const { return to_; }
  [[nodiscard]] std::size_t step() const { return step_; }
  [[nodiscard]] std::uint32_t weight() const { return weight_; }
  [[nodiscard]] const rollout_plan& plan() const { return plan_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }
  [[nodiscard]] const std::string& started_by() const { return started_by_; }
  [[nodiscard]] const gate_report& last_gate() const { return last_gate_; }
  [[nodiscard]] std::optional<steady_time> last_gate_at() const { return last_gate_at_; }
  /// When the current step's pause ends (progressing only).
  [[nodiscard]] std::optional<steady_time> next_step_at() const { return deadline_; }
  /// Pause left of the current step at `now` (frozen while paused).
  [[nodiscard]] std::chrono::milliseconds pause_left(steady_time now) const;

 private:
  action_result not_active(std::string_view verb) const;
  rollout_effect advance(steady_time now);
  rollout_effect finish(rollout_state state, std::uint32_t weight, rollout_effect::kind kind,
                        const std::string& action, const std::string& reason);
  void enter_step(std::size_t step, steady_time now);

  rollout_state state_ = rollout_state::idle;
  std::string from_;
  std::string to_;
  rollout_plan plan_;
  std::size_t step_ = 0;
  std::uint32_t weight_ = 0;
  std::string reason_;
  std::string started_by_;
  std::optional<steady_time> deadline_;
  std::chrono::milliseconds frozen_pause_left_{0};
  gate_window window_;
  gate_report last_gate_;
  std::optional<steady_time> last_gate_at_;
};

}  // namespace quikedge::rollout
