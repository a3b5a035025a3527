// Sliding-window gate arithmetic.
#include "rollout/gate_window.hpp"

#include <cstdio>

namespace quikedge::rollout {
namespace {

bool went_backwards(const counter_sample& older, const counter_sample& newer) {
  if (newer.requests < older.requests || newer.errors < older.errors) {
    return true;
  }
  for (std::size_t i = 0; i < bucket_count; ++i) {
    if (newer.buckets[i] < older.buckets[i]) {
      return true;
    }
  }
  return false;
}

std::string fixed(double value, int decimals) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string percent(double fraction) {
  return fixed(fraction * 100.0, 3) + "%";
}

std::string millis(double seconds) {
  return fixed(seconds * 1000.0, 1) + "ms";
}

}  // namespace

std::optional<double> bucket_quantile(double q, const bucket_counts& buckets) {
  std::uint64_t total = 0;
  for (auto count : buckets) {
    total += count;
  }
  if (total == 0) {
    return std::nullopt;
  }
  const double rank = q * static_cast<double>(total);
  std::uint64_t below = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    const std::uint64_t count = buckets[i];
    if (count == 0 || static_cast<double>(below + count) < rank) {
      below += count;
      continue;
    }
    if (i == bucket_count - 1) {
      // Nothing is known above the last finite bound; Prometheus answers it too.
      return metrics::duration_bounds.back();
    }
    const double lower = i == 0 ? 0.0 : metrics::duration_bounds[i - 1];
    const double upper = metrics::duration_bounds[i];
    const double inside = (rank - static_cast<double>(below)) / static_cast<double>(count);
    return lower + (upper - lower) * std::max(0.0, inside);
  }
  return metrics::duration_bounds.back();
}

void gate_window::add(const counter_sample& sample, std::chrono::milliseconds window) {
  if (!samples_.empty() && went_backwards(samples_.back(), sample)) {
    samples_.clear();
  }
  samples_.push_back(sample);
  // Samples older than the window are never read again.
  while (samples_.front().at < sample.at - window) {
    samples_.pop_front();
  }
}

window_totals gate_window::totals(std::chrono::milliseconds window) const {
  window_totals out;
  if (samples_.size() < 2) {
    return out;
  }
  const counter_sample& newest = samples_.back();
  const counter_sample* oldest = &samples_.front();
  for (const auto& sample : samples_) {
    if (sample.at >= newest.at - window) {
      oldest = &sample;
      break;
    }
  }
  out.requests = newest.requests - oldest->requests;
  out.errors = newest.errors - oldest->errors;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    out.buckets[i] = newest.buckets[i] - oldest->buckets[i];
  }
  out.span = std::chrono::duration_cast<std::chrono::milliseconds>(newest.at - oldest->at);
  return out;
}

gate_report evaluate_gates(const window_totals& totals, const rollout_gates& gates) {
  gate_report report;
  report.checked = true;
  report.requests = totals.requests;
  report.errors = totals.errors;
  report.window_seconds = std::chrono::duration<double>(totals.span).count();
  report.error_rate = totals.requests == 0 ? 0.0
                                           : static_cast<double>(totals.errors) /
                                                 static_cast<double>(totals.requests);
  report.p99_seconds = bucket_quantile(0.99, totals.buckets);
  report.enough_requests = totals.requests >= gates.min_requests && totals.requests > 0;
  if (!report.enough_requests) {
    return report;
  }
  const double max_p99 = std::chrono::duration<double>(gates.max_p99_latency).count();
  report.error_rate_passed = report.error_rate <= gates.max_error_rate;
  report.p99_passed = !report.p99_seconds || *report.p99_seconds <= max_p99;
  report.passed = report.error_rate_passed && report.p99_passed;
  const std::string over = " over " + std::to_string(report.requests) + " requests in the last " +
                           fixed(report.window_seconds, 1) + "s";
  if (!report.error_rate_passed) {
    report.failure = "error rate gate failed: " + percent(report.error_rate) + " (" +
                     std::to_string(report.errors) + " 5xx) > max " +
                     percent(gates.max_error_rate) + over;
  } else if (!report.p99_passed) {
    report.failure = "p99 latency gate failed: " + millis(*report.p99_seconds) + " > max " +
                     millis(max_p99) + over;
  }
  return report;
}

}  // namespace quikedge::rollout
