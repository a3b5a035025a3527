// Rollout state transitions.
#include "rollout/rollout_machine.hpp"

#include <array>
#include <utility>

namespace quikedge::rollout {
namespace {

constexpr std::array<std::pair<rollout_state, std::string_view>, 6> names = {{
    {rollout_state::idle, "idle"},
    {rollout_state::progressing, "progressing"},
    {rollout_state::paused, "paused"},
    {rollout_state::succeeded, "succeeded"},
    {rollout_state::rolled_back, "rolled_back"},
    {rollout_state::aborted, "aborted"},
}};

std::string step_text(std::size_t step, std::size_t count) {
  return "step " + std::to_string(step + 1) + " of " + std::to_string(count);
}

std::string who(const std::string& by) {
  return by.empty() ? "" : " by " + by;
}

}  // namespace

std::string_view to_string(rollout_state state) {
  for (const auto& [value, name] : names) {
    if (value == state) {
      return name;
    }
  }
  return "idle";
}

std::optional<rollout_state> state_from_string(std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

bool is_active(rollout_state state) {
  return state == rollout_state::progressing || state == rollout_state::paused;
}

action_result rollout_machine::start(const std::string& from, const std::string& to,
                                     const rollout_plan& plan, steady_time now,
                                     const std::string& started_by) {
  if (is_active(state_)) {
    return {409,
            "a rollout to \"" + to_ + "\" is already " + std::string(to_string(state_)) +
                "; promote or abort it first",
            {}};
  }
  from_ = from;
  to_ = to;
  plan_ = plan;
  started_by_ = started_by;
  state_ = rollout_state::progressing;
  window_.clear();
  last_gate_ = {};
  last_gate_at_.reset();
  enter_step(0, now);
  reason_ = "started" + who(started_by) + ": " + from_ + " -> " + to_ + ", " +
            step_text(0, plan_.steps.size());
  return {200, "", {rollout_effect::kind::set_weights, weight_, "rollout_start", reason_}};
}

void rollout_machine::enter_step(std::size_t step, steady_time now) {
  step_ = step;
  weight_ = plan_.steps[step].weight;
  deadline_ = now + plan_.steps[step].pause;
}

action_result rollout_machine::not_active(std::string_view verb) const {
  return {
      409,
      "no rollout to " + std::string(verb) + ": the rollout is " + std::string(to_string(state_)),
      {}};
}

action_result rollout_machine::pause(steady_time now, const std::string& by) {
  if (state_ != rollout_state::progressing) {
    return not_active("pause");
  }
  frozen_pause_left_ = pause_left(now);
  deadline_.reset();
  state_ = rollout_state::paused;
  reason_ = "paused" + who(by) + " at " + step_text(step_, plan_.steps.size());
  return {200, "", {rollout_effect::kind::set_weights, weight_, "rollout_pause", reason_}};
}

action_result rollout_machine::resume(steady_time now, const std::string& by) {
  if (state_ != rollout_state::paused) {
    return not_active("resume");
  }
  deadline_ = now + frozen_pause_left_;
  state_ = rollout_state::progressing;
  reason_ = "resumed" + who(by) + " at " + step_text(step_, plan_.steps.size());
  return {200, "", {rollout_effect::kind::set_weights, weight_, "rollout_resume", reason_}};
}

action_result rollout_machine::promote(steady_time, const std::string& by) {
  if (!is_active(state_)) {
    return not_active("promote");
  }
  return {200, "",
          finish(rollout_state::succeeded, 100, rollout_effect::kind::set_weights,
                 "rollout_promote", "promoted to 100%" + who(by))};
}

action_result rollout_machine::abort(steady_time, const std::string& by) {
  if (!is_active(state_)) {
    return not_active("abort");
  }
  return {200, "",
          finish(rollout_state::aborted, 0, rollout_effect::kind::set_weights, "rollout_abort",
                 "aborted" + who(by) + "; all weight back to " + from_)};
}

rollout_effect rollout_machine::finish(rollout_state state, std::uint32_t weight,
                                       rollout_effect::kind kind, const std::string& action,
                                       const std::string& reason) {
  state_ = state;
  weight_ = weight;
  deadline_.reset();
  frozen_pause_left_ = std::chrono::milliseconds(0);
  reason_ = reason;
  return {kind, weight, action, reason};
}

rollout_effect rollout_machine::on_sample(const counter_sample& sample) {
  if (!is_active(state_)) {
    return {};
  }
  if (!sample.healthy) {
    return finish(
        rollout_state::rolled_back, 0, rollout_effect::kind::rollback, "rollout_rollback",
        "health gate failed: " + to_ + " has no healthy endpoint; all weight back to " + from_);
  }
  window_.add(sample, plan_.gates.window);
  last_gate_ = evaluate_gates(window_.totals(plan_.gates.window), plan_.gates);
  last_gate_at_ = sample.at;
  // Checked on every sample, not only when a pause ends: a bad release is
  // caught within one sampling period of the window turning bad.
  if (last_gate_.enough_requests && !last_gate_.passed) {
    return finish(rollout_state::rolled_back, 0, rollout_effect::kind::rollback, "rollout_rollback",
                  last_gate_.failure + "; all weight back to " + from_);
  }
  if (state_ == rollout_state::paused || !deadline_ || sample.at < *deadline_) {
    return {};
  }
  if (!last_gate_.enough_requests) {
    reason_ = "waiting for traffic: " + std::to_string(last_gate_.requests) + " of " +
              std::to_string(plan_.gates.min_requests) + " requests to " + to_ +
              " in the window; " + step_text(step_, plan_.steps.size()) + " holds until then";
    return {};
  }
  return advance(sample.at);
}

rollout_effect rollout_machine::advance(steady_time now) {
  const std::string passed = "gates passed at " + std::to_string(weight_) + "% (" +
                             std::to_string(last_gate_.requests) + " requests)";
  if (step_ + 1 < plan_.steps.size()) {
    enter_step(step_ + 1, now);
    reason_ = passed + "; " + step_text(step_, plan_.steps.size()) + " at " +
              std::to_string(weight_) + "%";
    return {rollout_effect::kind::set_weights, weight_, "rollout_step", reason_};
  }
  return finish(rollout_state::succeeded, 100, rollout_effect::kind::set_weights,
                "rollout_succeeded", passed + "; " + to_ + " holds all weight");
}

bool rollout_machine::interrupt(const std::string& reason, std::uint32_t target_weight) {
  if (!is_active(state_)) {
    return false;
  }
  state_ = rollout_state::aborted;
  weight_ = target_weight;
  deadline_.reset();
  reason_ = reason;
  return true;
}

void rollout_machine::fail(const std::string& reason) {
  state_ = rollout_state::aborted;
  deadline_.reset();
  reason_ = reason;
}

std::chrono::milliseconds rollout_machine::pause_left(steady_time now) const {
  if (state_ == rollout_state::paused) {
    return frozen_pause_left_;
  }
  if (!deadline_ || *deadline_ <= now) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - now);
}

void rollout_machine::restore(const rollout_snapshot& snapshot, steady_time now,
                              std::chrono::milliseconds pause_left) {
  state_ = snapshot.state;
  from_ = snapshot.from;
  to_ = snapshot.to;
  plan_ = snapshot.plan;
  step_ = snapshot.step;
  weight_ = snapshot.weight;
  reason_ = snapshot.reason;
  started_by_ = snapshot.started_by;
  window_.clear();
  last_gate_ = {};
  last_gate_at_.reset();
  deadline_.reset();
  frozen_pause_left_ = std::chrono::milliseconds(0);
  if (state_ == rollout_state::progressing) {
    deadline_ = now + pause_left;
  } else if (state_ == rollout_state::paused) {
    frozen_pause_left_ = pause_left;
  }
}

rollout_snapshot rollout_machine::snapshot() const {
  return {state_, from_, to_, step_, weight_, plan_, reason_, started_by_};
}

}  // namespace quikedge::rollout
