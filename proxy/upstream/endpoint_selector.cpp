// Endpoint choice within a stack.
#include "upstream/endpoint_selector.hpp"

namespace quikedge::upstream {

std::uint64_t endpoint_selector::next_random() {
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return rng_;
}

void endpoint_selector::on_start(routing::endpoint_id id) {
  if (id >= outstanding_.size()) {
    outstanding_.resize(id + 1);
  }
  ++outstanding_[id];
}

void endpoint_selector::on_finish(routing::endpoint_id id) {
  if (id < outstanding_.size() && outstanding_[id] > 0) {
    --outstanding_[id];
  }
}

int endpoint_selector::pick(const routing::stack_entry& stack, load_balancer balancer,
                            const outlier_tracker& outliers, const tried_endpoints& tried,
                            std::chrono::steady_clock::time_point now) {
  candidates_.clear();
  for (std::uint32_t i = 0; i < stack.endpoints.size(); ++i) {
    const auto& e = stack.endpoints[i];
    if (e.healthy && !tried.contains(e.id) && !outliers.ejected(e.id, now)) {
      candidates_.push_back(i);
    }
  }
  if (candidates_.empty()) {
    // Only ejected endpoints are left: better a suspect endpoint than a 503.
    for (std::uint32_t i = 0; i < stack.endpoints.size(); ++i) {
      const auto& e = stack.endpoints[i];
      if (e.healthy && !tried.contains(e.id)) {
        candidates_.push_back(i);
      }
    }
  }
  if (candidates_.empty()) {
    return -1;
  }
  if (candidates_.size() == 1) {
    return static_cast<int>(candidates_[0]);
  }
  if (balancer == load_balancer::least_request) {
    auto a = candidates_[next_random() % candidates_.size()];
    auto b = candidates_[next_random() % candidates_.size()];
    auto load = [this, &stack](std::uint32_t index) {
      auto id = stack.endpoints[index].id;
      return id < outstanding_.size() ? outstanding_[id] : 0U;
    };
    return static_cast<int>(load(b) < load(a) ? b : a);
  }
  if (stack.id >= next_index_.size()) {
    next_index_.resize(stack.id + 1);
  }
  // Round robin over the stack's endpoint list, taking the next candidate.
  std::uint32_t& next = next_index_[stack.id];
  const auto count = static_cast<std::uint32_t>(stack.endpoints.size());
  for (std::uint32_t step = 0; step < count; ++step) {
    std::uint32_t index = (next + step) % count;
    for (auto candidate : candidates_) {
      if (candidate == index) {
        next = index + 1;
        return static_cast<int>(index);
      }
    }
  }
  return static_cast<int>(candidates_[0]);
}

}  // namespace quikedge::upstream
