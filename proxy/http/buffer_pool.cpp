// The worker's reserve of tunnel relay buffers.
#include "http/buffer_pool.hpp"

namespace quikedge::http {

std::unique_ptr<char[]> buffer_pool::acquire() {
  if (free_.empty()) {
    return std::unique_ptr<char[]>(new char[buffer_size]);
  }
  auto buffer = std::move(free_.back());
  free_.pop_back();
  return buffer;
}

void buffer_pool::release(std::unique_ptr<char[]> buffer) {
  // Keep a modest reserve; a burst of traffic over many tunnels shrinks back.
  if (buffer && free_.size() < 256) {
    free_.push_back(std::move(buffer));
  }
}

}  // namespace quikedge::http
