// Log-linear latency histogram in the style of HdrHistogram, shared by the bench tools.
// Values are microseconds: exact below 2048 us, within 1/1024 relative error above, up to 60 s.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace quikedge::bench {

class histogram {
 public:
  // 1024 sub-buckets per power of two keeps three significant digits, as HdrHistogram's
  // default, while the whole 60 s range fits in ~140 KB per histogram.
  static constexpr int half_magnitude = 10;
  static constexpr std::uint64_t half_count = std::uint64_t{1} << half_magnitude;
  static constexpr std::uint64_t sub_bucket_count = 2 * half_count;
  static constexpr std::uint64_t highest_trackable = 60'000'000;

  histogram() : counts_(index_of(highest_trackable) + 1, 0) {}

  // Records one value; values above 60 s are clamped (and counted) instead of dropped,
  // so that a stuck request still shows up in max and the tail.
  void record(std::uint64_t value_us) {
    if (value_us > highest_trackable) {
      value_us = highest_trackable;
      ++clamped_;
    }
    ++counts_[index_of(value_us)];
    ++total_;
    sum_ += value_us;
    max_ = std::max(max_, value_us);
    min_ = std::min(min_, value_us);
  }

  void merge(const histogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      counts_[i] += other.counts_[i];
    }
    total_ += other.total_;
    sum_ += other.sum_;
    clamped_ += other.clamped_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
  }

  void reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = sum_ = clamped_ = max_ = 0;
    min_ = std::numeric_limits<std::uint64_t>::max();
  }

  [[nodiscard]] std::uint64_t count() const { return total_; }
  [[nodiscard]] std::uint64_t clamped() const { return clamped_; }
  [[nodiscard]] std::uint64_t max() const { return max_; }
  [[nodiscard]] std::uint64_t min() const { return total_ == 0 ? 0 : min_; }
  [[nodiscard]] double mean() const {
    return total_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(total_);
  }

  // The smallest recorded value that `percent` % of all values are at or below, reported
  // as the top of its sub-bucket (as HdrHistogram does) but never above the true max.
  [[nodiscard]] std::uint64_t percentile(double percent) const {
    if (total_ == 0) {
      return 0;
    }
    auto rank =
        static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(total_)));
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        return std::min(highest_equivalent(i), max_);
      }
    }
    return max_;
  }

 private:
  static int bucket_of(std::uint64_t v) {
    return 63 - std::countl_zero(v | (sub_bucket_count - 1)) - half_magnitude;
  }

  static std::size_t index_of(std::uint64_t v) {
    const int bucket = bucket_of(v);
    const std::uint64_t sub = v >> bucket;
    return static_cast<std::size_t>((static_cast<std::uint64_t>(bucket + 1) << half_magnitude) +
                                    (sub - half_count));
  }

  static std::uint64_t highest_equivalent(std::size_t index) {
    int bucket = static_cast<int>(index >> half_magnitude) - 1;
    std::uint64_t sub = (index & (half_count - 1)) + half_count;
    if (bucket < 0) {
      sub -= half_count;
      bucket = 0;
    }
    return (sub << bucket) + (std::uint64_t{1} << bucket) - 1;
  }

  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t clamped_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
};

}  // namespace quikedge::bench
