// The worker's reserve of tunnel relay buffers.
#include "http/buffer_pool.hpp"

namespace quikedge::http {

std::unique_ptr<char[]> buffer_pool::acquire() {
  metrics::bump(lent_bytes_, buffer_size);
  if (free_.empty()) {
    return std::unique_ptr<char[]>(new char[buffer_size]);
  }
  auto buffer = std::move(free_.back());
  free_.pop_back();
  return buffer;
}

void buffer_pool::release(std::unique_ptr<char[]> buffer) {
  if (!buffer) {
    return;
  }
  // The worker is the gauge's only writer.
  lent_bytes_.store(lent_bytes_.load(std::memory_order_relaxed) - buffer_size,
                    std::memory_order_relaxed);
  if (free_.size() < kept_buffers) {
    free_.push_back(std::move(buffer));
  }
}

}  // namespace quikedge::http
