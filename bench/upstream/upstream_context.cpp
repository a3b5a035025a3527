// Start-up computation of the shared responses, and the /stats and /health inputs.
#include "upstream/upstream_context.hpp"

#include "common/pattern.hpp"
#include "upstream/response_head.hpp"

#include <sys/stat.h>

namespace quikedge::bench::upstream {
namespace {

// Bodies up to this size are kept in memory and copied into each response; larger ones
// are streamed from the pattern block so that memory stays constant.
constexpr std::uint64_t max_in_memory_body = 64 * 1024;

}  // namespace

upstream_context::upstream_context(upstream_options options)
    : options_(std::move(options)), counters_(options_.threads) {
  if (!options_.name.empty()) {
    extra_headers_ = "X-Upstream: " + options_.name + "\r\n";
  }
  if (options_.body_size) {
    default_body_size_ = *options_.body_size;
    default_body_in_memory_ = default_body_size_ <= max_in_memory_body;
    if (default_body_in_memory_) {
      default_body_ = pattern_string(static_cast<std::size_t>(default_body_size_));
    }
  } else {
    default_body_ = (options_.name.empty() ? std::string("ok") : options_.name) + "\n";
    default_body_size_ = default_body_.size();
  }

  response_spec spec;
  spec.content_length = default_body_size_;
  append_response_head(fast_head_response_, spec, extra_headers_);
  fast_response_ = fast_head_response_ + default_body_;
}

std::uint64_t upstream_context::total_requests() const {
  std::uint64_t total = 0;
  for (const auto& c : counters_) {
    total += c.requests.load(std::memory_order_relaxed);
  }
  return total;
}

bool upstream_context::healthy() const {
  if (options_.health_file.empty()) {
    return true;
  }
  struct stat st {};
  return ::stat(options_.health_file.c_str(), &st) == 0;
}

}  // namespace quikedge::bench::upstream
