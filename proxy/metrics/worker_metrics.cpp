// Per-worker request accounting.
#include "metrics/worker_metrics.hpp"

namespace quikedge::metrics {

void worker_metrics::record_request(std::size_t stack_index, int status,
                                    std::chrono::nanoseconds elapsed) {
  bump(activity_);
#ifdef QUIKEDGE_NO_METRICS
  return;  // the comparison build of bench/metrics_cost.sh
#endif
  if (stack_index > routing::max_stacks) {
    stack_index = no_stack;
  }
  auto& counters = stacks_[stack_index];
  if (status < min_status || status > max_status) {
    return;  // not HTTP; counting it in the histogram only would make _count disagree
  }
  bump(counters.responses_by_status[status - min_status]);
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::size_t bucket = 0;
  while (bucket < duration_bounds.size() && seconds > duration_bounds[bucket]) {
    ++bucket;
  }
  bump(counters.duration_buckets[bucket]);
  bump(counters.duration_sum_micros,
       static_cast<std::uint64_t>(
           std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
}

}  // namespace quikedge::metrics
