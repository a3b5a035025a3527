// Smooth weighted round robin over stacks; round robin over endpoints.
#include "routing/weighted_pick.hpp"

namespace quikedge::routing {

void weighted_picker::sync_with(const routing_table& table) {
  if (table.version() == table_version_) {
    return;
  }
  // Credits from the old weights would bias the first picks under the new ones.
  table_version_ = table.version();
  credit_.fill(0);
}

int weighted_picker::pick_stack(const routing_table& table, const stack_filter& usable) {
  sync_with(table);
  const auto& stacks = table.stacks();
  std::int64_t total = 0;
  int best = -1;
  for (std::size_t i = 0; i < stacks.size() && i < max_stacks; ++i) {
    const auto& stack = stacks[i];
    if (stack.weight == 0 || !usable(stack)) {
      continue;
    }
    credit_[i] += stack.weight;
    total += stack.weight;
    if (best < 0 || credit_[i] > credit_[best]) {
      best = static_cast<int>(i);
    }
  }
  if (best >= 0) {
    credit_[best] -= total;
  }
  return best;
}

int weighted_picker::pick_endpoint(const stack_entry& stack) {
  const auto count = static_cast<std::uint32_t>(stack.endpoints.size());
  if (count == 0 || stack.id >= max_stacks) {
    return -1;
  }
  std::uint32_t& next = next_endpoint_[stack.id];
  for (std::uint32_t tried = 0; tried < count; ++tried) {
    std::uint32_t index = next % count;
    next = index + 1;
    if (stack.endpoints[index].healthy) {
      return static_cast<int>(index);
    }
  }
  return -1;
}

int weighted_picker::any_healthy_stack(const routing_table& table, const stack_filter& usable) {
  const auto& stacks = table.stacks();
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    if (usable(stacks[i])) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace quikedge::routing
