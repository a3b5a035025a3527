// Chooses the endpoint of a stack for one attempt: round robin or least
// outstanding requests (power of two choices), skipping unhealthy, ejected and
// already tried endpoints. Worker only.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "quikedge/config.hpp"
#include "routing/routing_table.hpp"
#include "upstream/outlier_tracker.hpp"

namespace quikedge::upstream {

/// Endpoints one request already tried (h2o keeps the same list).
struct tried_endpoints {
  std::array<routing::endpoint_id, 8> ids{};
  std::uint8_t count = 0;

  void add(routing::endpoint_id id) {
    if (count < ids.size()) {
      ids[count++] = id;
    }
  }
  [[nodiscard]] bool contains(routing::endpoint_id id) const {
    for (std::uint8_t i = 0; i < count; ++i) {
      if (ids[i] == id) {
        return true;
      }
    }
    return false;
  }
};

class endpoint_selector {
 public:
  explicit endpoint_selector(std::uint64_t seed) : rng_(seed | 1) {}

  /// Index into stack.endpoints, or -1 when every endpoint is unhealthy or tried.
  /// Ejected endpoints are used only when nothing else is left.
  int pick(const routing::stack_entry& stack, load_balancer balancer,
           const outlier_tracker& outliers, const tried_endpoints& tried,
           std::chrono::steady_clock::time_point now);

  /// In-flight bookkeeping for least_request.
  void on_start(routing::endpoint_id id);
  void on_finish(routing::endpoint_id id);

 private:
  std::uint64_t next_random();

  std::vector<std::uint32_t> next_index_;   ///< round robin position, index: stack id
  std::vector<std::uint32_t> outstanding_;  ///< in-flight requests, index: endpoint id
  std::uint64_t rng_;
  std::vector<std::uint32_t> candidates_;  ///< reused scratch space
};

}  // namespace quikedge::upstream
