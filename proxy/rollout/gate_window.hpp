// Rollout gates over a sliding window: a ring of cumulative counter snapshots
// of the target stack, the window's numbers as newest-minus-oldest differences,
// and the verdict (error rate, p99 from histogram buckets). Pure: the caller
// supplies the samples and their times, so tests need no clock and no proxy.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "metrics/worker_metrics.hpp"
#include "quikedge/config.hpp"

namespace quikedge::rollout {

using steady_time = std::chrono::steady_clock::time_point;

inline constexpr std::size_t bucket_count = metrics::duration_bounds.size() + 1;
using bucket_counts = std::array<std::uint64_t, bucket_count>;

/// Cumulative counters of one stack, summed over workers, read at `at`.
struct counter_sample {
  steady_time at{};
  std::uint64_t requests = 0;  ///< responses with any status
  std::uint64_t errors = 0;    ///< 5xx responses
  bucket_counts buckets{};     ///< per duration bucket (not cumulative), last is +Inf
  /// The stack has a healthy endpoint (health checks). A dead target is
  /// masked by failover, so its counters alone would only show silence.
  bool healthy = true;
};

/// What the window holds: differences between two samples.
struct window_totals {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  bucket_counts buckets{};
  std::chrono::milliseconds span{0};  ///< time between the two samples
};

/// q-quantile (0..1) in seconds from per-bucket counts, interpolated linearly
/// inside the bucket as Prometheus' histogram_quantile does (the first bucket
/// starts at 0; a rank in +Inf answers the highest finite bound). nullopt when
/// there are no observations.
std::optional<double> bucket_quantile(double q, const bucket_counts& buckets);

class gate_window {
 public:
  /// Adds a sample and drops those no longer needed for `window`. A sample
  /// whose counters went backwards (the stack's counters were replaced) starts
  /// the window over.
  void add(const counter_sample& sample, std::chrono::milliseconds window);
  /// Newest sample minus the oldest one taken within `window` of it.
  [[nodiscard]] window_totals totals(std::chrono::milliseconds window) const;
  void clear() { samples_.clear(); }
  [[nodiscard]] std::size_t size() const { return samples_.size(); }

 private:
  std::deque<counter_sample> samples_;
};

/// One evaluation of the gates.
struct gate_report {
  bool checked = false;  ///< false until the first evaluation
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double error_rate = 0.0;
  std::optional<double> p99_seconds;
  double window_seconds = 0.0;
  bool enough_requests = false;  ///< requests >= min_requests: a verdict may be given
  bool error_rate_passed = true;
  bool p99_passed = true;
  bool passed = false;  ///< enough requests and both gates pass
  std::string failure;  ///< names the failing gate with value and threshold; "" if none
};

/// Evaluates both gates on `totals`. A gate only fails with enough requests.
gate_report evaluate_gates(const window_totals& totals, const rollout_gates& gates);

}  // namespace quikedge::rollout
