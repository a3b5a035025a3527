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
  static constexpr std::size_t buffer_size = std::size_t{16} * 1024;
  /// Buffers kept for reuse once given back (256 KiB). Tunnels take and return
  /// a buffer only when a direction wakes up or goes quiet, not per message, so
  /// a larger reserve saves little: it only held a burst's buffers (4 MiB after
  /// 256 tunnels went quiet) away from malloc_trim for good.
  static constexpr std::size_t kept_buffers = 16;

  /// `lent_bytes`: the worker's gauge of bytes lent out now (on /metrics).
  explicit buffer_pool(metrics::counter& lent_bytes) : lent_bytes_(lent_bytes) {}

  std::unique_ptr<char[]> acquire();
  /// Takes a buffer back; a null one is ignored.
  void release(std::unique_ptr<char[]> buffer);

  /// Buffers held for reuse now (at most kept_buffers).
  [[nodiscard]] std::size_t kept() const { return free_.size(); }

 private:
  std::vector<std::unique_ptr<char[]>> free_;
  metrics::counter& lent_bytes_;
};

}  // namespace quikedge::http
