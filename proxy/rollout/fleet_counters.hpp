// The rollout gates of a fleet count the target stack's requests on every
// replica. Each replica publishes its cumulative counters per stack; the
// rollout leader adds up what each other replica counted since the leader
// first saw it, so the sum only grows: a replica that restarted counts again
// from zero, one that left keeps what it gave, one that joined counts from
// its first publication (its older requests are not the rollout's). The
// leader's own counters come straight from its workers. Pure: no I/O, no
// clock; the caller feeds it what it read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "rollout/gate_window.hpp"

namespace quikedge::rollout {

/// Stack name → cumulative counters, as one replica publishes them.
using stack_samples = std::map<std::string, counter_sample>;

/// {"stacks":{"green":{"requests":N,"errors":N,"buckets":[..],"healthy":b}}}
std::string encode_stack_samples(const stack_samples& samples);
/// nullopt when `text` is not such a document (a newer or broken replica).
std::optional<stack_samples> decode_stack_samples(std::string_view text);

class fleet_counter_sum {
 public:
  /// One reading of every other replica's publication (replica id → its
  /// counters). Replicas missing from `seen` have left: their counts stay in
  /// the sum, their health no longer matters, and if they come back they
  /// start from a new baseline.
  void update(const std::map<std::string, stack_samples>& seen);

  /// `local` (this replica's own counters) plus what the other replicas
  /// counted of `stack`; healthy only if every replica that publishes the
  /// stack sees a healthy endpoint of it (a partition that hides the target
  /// from one replica still fails its requests there).
  [[nodiscard]] counter_sample total(const std::string& stack, const counter_sample& local) const;

  /// Forgets everything: a new leader counts from its first reading.
  void clear();

  [[nodiscard]] std::size_t replicas() const { return last_.size(); }

 private:
  std::map<std::string, stack_samples> last_;    ///< replica → its last reading
  std::map<std::string, counter_sample> added_;  ///< stack → counted so far
  std::map<std::string, bool> unhealthy_;        ///< stack → some replica sees it down
};

}  // namespace quikedge::rollout
