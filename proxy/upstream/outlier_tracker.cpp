// Consecutive-failure ejection with exponential backoff.
#include "upstream/outlier_tracker.hpp"

#include <algorithm>

namespace quikedge::upstream {

outlier_tracker::state& outlier_tracker::at(routing::endpoint_id id) {
  if (id >= states_.size()) {
    states_.resize(id + 1);
  }
  return states_[id];
}

bool outlier_tracker::ejected(routing::endpoint_id id, clock::time_point now) const {
  return id < states_.size() &&
         (states_[id].ejected_until > now || states_[id].unreachable_until > now);
}

void outlier_tracker::on_success(routing::endpoint_id id) {
  if (id < states_.size()) {
    states_[id].consecutive_failures = 0;
    states_[id].times_unreachable = 0;
  }
}

void outlier_tracker::on_unreachable(routing::endpoint_id endpoint, clock::time_point now) {
  state& s = at(endpoint);
  const clock::duration backoff =
      std::chrono::milliseconds(1000) * (1L << std::min(s.times_unreachable, 5U));
  s.unreachable_until = now + backoff;
  ++s.times_unreachable;
  ++ejections_;
}

void outlier_tracker::clear_unreachable() {
  for (auto& s : states_) {
    s.unreachable_until = {};
    s.times_unreachable = 0;
  }
}

bool outlier_tracker::stack_usable(const routing::stack_entry& stack, clock::time_point now) const {
  for (const auto& e : stack.endpoints) {
    if (e.healthy && !ejected(e.id, now)) {
      return true;
    }
  }
  return false;
}

bool outlier_tracker::on_failure(const routing::stack_entry& stack, routing::endpoint_id endpoint,
                                 const outlier_detection_config& settings, clock::time_point now) {
  state& s = at(endpoint);
  if (++s.consecutive_failures < settings.consecutive_failures || s.ejected_until > now) {
    return false;
  }
  if (!settings.eject_last_endpoint) {
    std::size_t usable = 0;
    for (const auto& e : stack.endpoints) {
      usable += e.id != endpoint && e.healthy && !ejected(e.id, now);
    }
    if (usable == 0) {
      return false;  // ejecting it would strand the stack
    }
  }
  // base, 2×base, 4×base, ... capped: a flapping endpoint stays out longer.
  auto backoff = settings.base_ejection * (1LL << std::min(s.times_ejected, 20U));
  backoff = std::min<duration>(backoff, settings.max_ejection);
  s.ejected_until = now + backoff;
  ++s.times_ejected;
  s.consecutive_failures = 0;
  ++ejections_;
  return true;
}

}  // namespace quikedge::upstream
