// Reading a stack's numbers out of the live proxy for the rollout gates.
#include "rollout/target_counters.hpp"

namespace quikedge::rollout {

counter_sample read_target_counters(const routing::routing_table& table,
                                    const std::vector<std::unique_ptr<server::worker>>& workers,
                                    const std::string& stack, steady_time now) {
  counter_sample sample;
  sample.at = now;
  for (const auto& entry : table.stacks()) {
    if (entry.name != stack) {
      continue;
    }
    sample.healthy = entry.has_healthy_endpoint();
    for (const auto& w : workers) {
      const auto& counters = w->metrics().stack(entry.id);
      for (std::size_t i = 0; i < counters.responses_by_status.size(); ++i) {
        const auto n = counters.responses_by_status[i].load(std::memory_order_relaxed);
        sample.requests += n;
        if (i + metrics::min_status >= 500) {
          sample.errors += n;
        }
      }
      for (std::size_t i = 0; i < bucket_count; ++i) {
        sample.buckets[i] += counters.duration_buckets[i].load(std::memory_order_relaxed);
      }
    }
  }
  return sample;
}

std::uint32_t weight_share(const server::weight_map& weights, const std::string& stack) {
  std::uint64_t total = 0;
  for (const auto& [name, weight] : weights) {
    total += weight;
  }
  auto it = weights.find(stack);
  return total == 0 || it == weights.end()
             ? 0
             : static_cast<std::uint32_t>(std::uint64_t{it->second} * 100 / total);
}

}  // namespace quikedge::rollout
