// The drain windows of stacks whose weight went to 0: while one lasts, the
// stack's sticky clients are still served by it and its WebSockets close
// spread over the window; when it ends, sticky clients move. Pure bookkeeping
// with the time passed in; the control plane owns the timer. Control thread.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "server/change.hpp"

namespace quikedge::server {

class drain_tracker {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// After the weights changed from `old_weights` to `new_weights`: a stack
  /// whose weight went to 0 drains for `window` (a zero window finishes at
  /// once), a stack whose weight came back stops draining, and drains of
  /// stacks no longer in `new_weights` are dropped.
  void update(const weight_map& old_weights, const weight_map& new_weights,
              std::chrono::milliseconds window, time_point now);

  /// Ends every window over at `now`; true when one ended.
  bool expire(time_point now);

  /// Replaces the windows with `left` (time left per stack) from `now`,
  /// keeping only stacks whose weight in `weights` is 0.
  void restore(const std::map<std::string, std::chrono::milliseconds>& left,
               const weight_map& weights, time_point now);

  /// Time left of every window at `now` (0 for those already over).
  [[nodiscard]] std::map<std::string, std::chrono::milliseconds> left(time_point now) const;

  /// When the earliest window ends; nullopt when none runs.
  [[nodiscard]] std::optional<time_point> next_end() const;

  [[nodiscard]] const std::map<std::string, time_point>& active() const { return drains_; }
  /// Drains that finished since the last table was built; the next one drops
  /// their sticky clients and WebSockets.
  [[nodiscard]] const std::set<std::string>& finished() const { return finished_; }
  void clear_finished() { finished_.clear(); }

 private:
  std::map<std::string, time_point> drains_;  ///< stack → window end
  std::set<std::string> finished_;
};

}  // namespace quikedge::server
