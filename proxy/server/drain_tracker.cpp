// Drain window bookkeeping.
#include "server/drain_tracker.hpp"

#include <algorithm>

namespace quikedge::server {

void drain_tracker::update(const weight_map& old_weights, const weight_map& new_weights,
                           std::chrono::milliseconds window, time_point now) {
  for (const auto& [name, weight] : new_weights) {
    auto old = old_weights.find(name);
    const bool had_weight = old != old_weights.end() && old->second > 0;
    if (weight > 0) {
      drains_.erase(name);  // raising the weight again ends the drain
    } else if (had_weight && window.count() == 0) {
      // No window: the stack is drained in the very table this change publishes,
      // so sticky clients move and its WebSockets close before the call returns.
      drains_.erase(name);
      finished_.insert(name);
    } else if (had_weight) {
      drains_[name] = now + window;
    }
  }
  // Stacks removed by a reload have nothing left to drain through the table.
  for (auto it = drains_.begin(); it != drains_.end();) {
    it = new_weights.count(it->first) ? std::next(it) : drains_.erase(it);
  }
}

bool drain_tracker::expire(time_point now) {
  bool ended = false;
  for (auto it = drains_.begin(); it != drains_.end();) {
    if (it->second <= now) {
      finished_.insert(it->first);
      it = drains_.erase(it);
      ended = true;
    } else {
      ++it;
    }
  }
  return ended;
}

void drain_tracker::restore(const std::map<std::string, std::chrono::milliseconds>& left,
                            const weight_map& weights, time_point now) {
  drains_.clear();
  for (const auto& [name, rest] : left) {
    auto it = weights.find(name);
    if (it != weights.end() && it->second == 0) {
      drains_[name] = now + rest;
    }
  }
}

std::map<std::string, std::chrono::milliseconds> drain_tracker::left(time_point now) const {
  std::map<std::string, std::chrono::milliseconds> out;
  for (const auto& [name, until] : drains_) {
    out[name] = until > now ? std::chrono::duration_cast<std::chrono::milliseconds>(until - now)
                            : std::chrono::milliseconds(0);
  }
  return out;
}

std::optional<drain_tracker::time_point> drain_tracker::next_end() const {
  if (drains_.empty()) {
    return std::nullopt;
  }
  auto earliest = time_point::max();
  for (const auto& [name, until] : drains_) {
    earliest = std::min(earliest, until);
  }
  return earliest;
}

}  // namespace quikedge::server
