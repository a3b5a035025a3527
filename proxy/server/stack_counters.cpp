// Reading a stack's numbers out of the workers for the rollout gates.
#include "server/stack_counters.hpp"

namespace quikedge::server {

rollout::counter_sample read_stack_counters(const routing::routing_table& table,
                                            const std::vector<std::unique_ptr<worker>>& workers,
                                            const std::string& stack, rollout::steady_time now) {
  rollout::counter_sample sample;
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
      for (std::size_t i = 0; i < rollout::bucket_count; ++i) {
        sample.buckets[i] += counters.duration_buckets[i].load(std::memory_order_relaxed);
      }
    }
  }
  return sample;
}

}  // namespace quikedge::server
