// Where the rollout engine keeps its state between transitions, so that a
// restart (or, in a fleet, the next leader) continues at the same step. One
// machine: its state file (server/state_file_rollout). A fleet: a key in etcd,
// written only by the replica that leads (server/etcd_rollout_leadership).
// And who leads, in a fleet. Control thread only.
#pragma once

#include <optional>
#include <string>

#include "rollout/rollout_store.hpp"
#include "server/change.hpp"

namespace quikedge::rollout {

class rollout_persistence {
 public:
  virtual ~rollout_persistence() = default;
  /// Stores `stored`; a failure is logged, the rollout goes on.
  virtual void save(const stored_rollout& stored) = 0;
  /// The stored rollout; nullopt when none is, or with `error` when what is
  /// stored cannot be used.
  [[nodiscard]] virtual std::optional<stored_rollout> load(std::string& error) = 0;
  /// "file PATH", "etcd KEY": for the logs.
  [[nodiscard]] virtual std::string describe() const = 0;
};

/// Who drives the rollout in a fleet. Without one (a single process) the
/// engine always does.
struct replica_ref {
  std::string id;
  std::string address;  ///< its admin address
  friend bool operator==(const replica_ref&, const replica_ref&) = default;
};

class rollout_leadership {
 public:
  virtual ~rollout_leadership() = default;
  [[nodiscard]] virtual bool leading() const = 0;
  /// The replica that leads (this one included); nullopt while none is known
  /// (an election under way, or the store unreachable).
  [[nodiscard]] virtual std::optional<replica_ref> leader() const = 0;
  [[nodiscard]] virtual const std::string& self_id() const = 0;
  /// What the engine's weight changes are fenced on while this replica leads
  /// (nullopt: not leading, or nothing to fence on).
  [[nodiscard]] virtual std::optional<server::commit_fence> fence() const { return std::nullopt; }
};

}  // namespace quikedge::rollout
