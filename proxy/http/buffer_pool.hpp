// Relay buffers a worker lends to its tunnels. Worker only.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace quikedge::http {

/// Fixed-size relay buffers lent to tunnels only while bytes are moving, so an
/// idle WebSocket holds no buffer at all.
class buffer_pool {
 public:
  static constexpr std::size_t buffer_size = 16 * 1024;
  std::unique_ptr<char[]> acquire();
  void release(std::unique_ptr<char[]> buffer);

 private:
  std::vector<std::unique_ptr<char[]>> free_;
};

}  // namespace quikedge::http
