// What every change of the routing state carries: who asked, from where and
// why, and how it ended. Plain data shared by the control plane, its state
// store and their observers (audit log, rollout engine) and the admin API.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace quikedge::server {

/// Stack name → weight.
using weight_map = std::map<std::string, std::uint32_t>;

/// Which part of the proxy asked for a change. Observers tell their own
/// changes apart by it (the rollout engine ignores changes it made itself).
enum class change_source {
  admin_api,  ///< an admin API call
  signal,     ///< SIGHUP
  rollout,    ///< the rollout engine
};

/// A change a fleet's rollout leader makes is stored only while `key` (its
/// leader key in etcd) still has the create_revision it had when this replica
/// was elected. A leader deposed while its change was on the way (its lease
/// ran out, a successor already shifted weight) must not overwrite its
/// successor's weights.
struct commit_fence {
  std::string key;
  std::int64_t create_revision = 0;
};

/// Who asked for a change, for the state and the audit log.
struct change_origin {
  std::string actor;   ///< token name, "signal" or "rollout"
  std::string client;  ///< client address of the admin call, or "local"
  std::string reason;
  change_source source = change_source::admin_api;
  std::optional<commit_fence> fence{};  ///< set by the rollout engine in a fleet
};

/// Result of a change request: empty error means applied.
struct change_result {
  int status = 200;
  std::string error;
  /// Refused because its commit_fence moved: the replica that made it no
  /// longer leads the rollout, and its successor carries on.
  bool fenced_out = false;
};

using done_fn = std::function<void(change_result)>;

/// One committed change, as the state store's observers see it.
struct change_record {
  change_origin origin;
  std::string action;  ///< "set_weights", "rollback", "reload", "rollout_step", ...
  std::string before;  ///< the weights before, as a JSON object
  std::string after;   ///< the weights after, as a JSON object
};

}  // namespace quikedge::server
