// Relay buffers a worker lends to its tunnels. Worker only.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "metrics/worker_metrics.hpp"

namespace quikedge::http {

/// Fixed-size relay buffers lent to tunnels only while bytes are moving, so an
/// idle WebSocket holds no buffer at all.
class buffer_pool {
 public:
  static constexpr std::size_t buffer_size = 16 * 1024;

  /// `lent_bytes`: the worker's gauge of bytes lent out now (on /metrics).
  explicit buffer_pool(metrics::counter& lent_bytes) : lent_bytes_(lent_bytes) {}

  std::unique_ptr<char[]> acquire();
  /// Takes a buffer back; a null one is ignored.
  void release(std::unique_ptr<char[]> buffer);

 private:
  std::vector<std::unique_ptr<char[]>> free_;
  metrics::counter& lent_bytes_;
};

}  // namespace quikedge::http
