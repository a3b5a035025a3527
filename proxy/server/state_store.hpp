// The store of the routing state (weights, version, who changed them, the
// rollback target, drain windows): the interface the control plane commits
// every change through and restores from at start. Backends: a file on this
// machine (file_state_store); a remote, shared one fits the same shape, since
// the store numbers the versions, answers commits through a callback and
// tells its observers about every change it commits. Control thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/change.hpp"
#include "server/live_state.hpp"

namespace quikedge::server {

/// Told about every change the store commits, in subscription order, before
/// the commit's caller hears of it. Control thread.
class state_observer {
 public:
  virtual ~state_observer() = default;
  /// `state` is what the change produced (its version included).
  virtual void on_state_committed(const live_state& state, const change_record& change) = 0;
};

/// One replica of the fleet sharing a store, as its registration says.
struct replica_info {
  std::string id;
  std::string address;  ///< its admin address
  std::uint64_t applied_version = 0;
  std::chrono::system_clock::time_point started_at;
  std::chrono::system_clock::time_point last_seen;  ///< when this replica last read it alive
};

/// What load() found.
struct load_result {
  std::optional<live_state> state;  ///< nullopt: nothing stored, or `error`
  std::string error;                ///< why a stored state is unusable; empty otherwise
};

/// `committed` is the stored state when `result` is a success.
using commit_fn = std::function<void(const change_result& result, const live_state& committed)>;

class state_store {
 public:
  virtual ~state_store() = default;

  /// "file", ...
  [[nodiscard]] virtual std::string_view backend() const = 0;

  /// Reads the stored state at start. A state that cannot be used is reported
  /// in `error` and changes nothing, neither the store nor what it holds.
  [[nodiscard]] virtual load_result load() = 0;

  /// Takes `state` as the current one without writing it: a state restored at
  /// start or handed over by a predecessor process.
  virtual void adopt(const live_state& state) = 0;

  /// Compare-and-swap: with `expected_version` set and the stored version
  /// different, `done` gets 409 and nothing changes (If-Match). Otherwise
  /// `next` becomes version() + 1, is stored, every observer sees it, then
  /// `done` runs with the committed state. `done` may run later (a remote
  /// store), but always on the control thread. A store that cannot confirm
  /// the change answers 503 and changes nothing.
  virtual void commit(live_state next, std::optional<std::uint64_t> expected_version,
                      const change_record& change, commit_fn done) = 0;

  /// The version of the last state committed or adopted.
  [[nodiscard]] virtual std::uint64_t version() const = 0;

  /// False while the store cannot confirm changes; the proxy keeps serving
  /// the last state it applied (fail static).
  [[nodiscard]] virtual bool available() const = 0;

  /// The replicas registered alive in a shared store, this one included;
  /// empty for a store of one machine.
  [[nodiscard]] virtual std::vector<replica_info> replicas() const { return {}; }

  /// Reads the replicas' registrations anew, now rather than on the next beat
  /// (`?wait=fleet` polls with it), then runs `done` on the control thread;
  /// `listed` is false when the store could not be read (replicas() then still
  /// holds the last listing). A store of one machine has nothing to read.
  virtual void refresh_replicas(std::function<void(bool listed)> done) { done(true); }

  /// `observer` is not owned and must outlive the store's use.
  void subscribe(state_observer& observer) { observers_.push_back(&observer); }

 protected:
  void notify(const live_state& state, const change_record& change) {
    for (auto* observer : observers_) {
      observer->on_state_committed(state, change);
    }
  }

 private:
  std::vector<state_observer*> observers_;
};

}  // namespace quikedge::server
