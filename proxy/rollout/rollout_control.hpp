// What the admin API and the state view need from the rollout engine: its
// state, its status document, its gate metrics, and the operator's actions.
// The rollout engine implements it. Control thread only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rollout/rollout_machine.hpp"
#include "rollout/rollout_plan.hpp"
#include "server/change.hpp"

namespace quikedge::rollout {

/// POST /api/v1/rollout/{pause,resume,promote,abort}.
enum class rollout_action { pause, resume, promote, abort };

/// "pause" → rollout_action::pause, ...; nullopt for anything else.
std::optional<rollout_action> action_from_string(std::string_view verb);

class rollout_control {
 public:
  virtual ~rollout_control() = default;

  [[nodiscard]] virtual rollout_state state() const = 0;
  /// GET /api/v1/rollout's body, also the "rollout" object of the state.
  [[nodiscard]] virtual std::string status_json() const = 0;
  /// Prometheus lines of the gate values, appended to /metrics.
  [[nodiscard]] virtual std::string gate_metrics() const = 0;

  /// Starts a rollout: 400 unknown stack, 409 one already active or nothing
  /// to move; `done` runs once every worker uses the first step.
  virtual void begin(const start_request& request, const server::change_origin& origin,
                     server::done_fn done) = 0;
  /// 409 when the action does not apply to the current state.
  virtual void act(rollout_action action, const server::change_origin& origin,
                   server::done_fn done) = 0;

  /// In a fleet, the admin address of the replica that drives rollouts when it
  /// is another one: operators' calls made here go there. nullopt when this
  /// replica leads, none is known, or there is no fleet.
  [[nodiscard]] virtual std::optional<std::string> leader_address() const { return std::nullopt; }
  /// The id of the replica driving an active rollout; nullopt when none runs
  /// (or, in a fleet, while no leader is known).
  [[nodiscard]] virtual std::optional<std::string> driving_replica() const { return std::nullopt; }
  /// The id of the replica elected to drive rollouts, whether one runs or not
  /// (this one alone without a fleet); nullopt while none is known.
  [[nodiscard]] virtual std::optional<std::string> elected_leader() const { return std::nullopt; }
};

}  // namespace quikedge::rollout
