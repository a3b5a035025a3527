// Per-worker request counters and latency histograms. Each worker is the only
// writer of its own block (plain relaxed stores, no read-modify-write shared
// between cores); the control thread sums all blocks when Prometheus scrapes.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "metrics/tls_counters.hpp"
#include "routing/routing_table.hpp"

namespace quikedge::metrics {

/// Upper bounds of http_request_duration_seconds buckets (0.005 s to 10 s, the bounds the
/// dashboards and alert rules use).
inline constexpr std::array<double, 11> duration_bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5,   1.0,  2.5,   5.0,  10.0};
inline constexpr int min_status = 100;
inline constexpr int max_status = 599;

/// Index used for requests that never reached a stack (400, 431, 503 ...).
inline constexpr std::size_t no_stack = routing::max_stacks;

using counter = std::atomic<std::uint64_t>;

/// gRPC status codes 0 (OK) .. 16 (UNAUTHENTICATED).
inline constexpr std::size_t grpc_statuses = 17;

/// Single-writer increment: the owning worker is the only thread that writes.
inline void bump(counter& c, std::uint64_t by = 1) {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

/// Same, with release order: pairs with the scrape's acquire loads where two
/// counters must be read consistently (WebSocket opened/closed).
inline void bump_release(counter& c) {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

struct alignas(64) stack_counters {
  std::array<counter, max_status - min_status + 1> responses_by_status{};
  std::array<counter, duration_bounds.size() + 1> duration_buckets{};  ///< last: +Inf
  counter duration_sum_micros{0};
  counter websockets_opened{0};
  counter websockets_closed{0};
  counter upstream_connections_opened{0};
  /// TLS handshakes to the stack's endpoints, by upstream_tls_result.
  std::array<counter, 4> upstream_tls_handshakes{};
  /// gRPC responses by grpc-status (0..16; the last slot: any other value).
  std::array<counter, grpc_statuses + 1> grpc_by_status{};
};

/// How a TLS handshake to an upstream ended. Order = label order on /metrics.
enum class upstream_tls_result : std::uint8_t { full, resumed, verify_failed, failed };
inline constexpr std::array<const char*, 4> upstream_tls_result_names = {"full", "resumed",
                                                                         "verify_failed", "failed"};

class worker_metrics {
 public:
  /// Records one finished request. Worker only.
  void record_request(std::size_t stack_index, int status, std::chrono::nanoseconds elapsed);

  [[nodiscard]] const stack_counters& stack(std::size_t index) const { return stacks_[index]; }
  [[nodiscard]] stack_counters& stack(std::size_t index) { return stacks_[index]; }

  /// TLS handshakes of listener `index` (< max_tls_listeners).
  [[nodiscard]] const tls_listener_counters& tls(std::size_t index) const { return tls_[index]; }
  [[nodiscard]] tls_listener_counters& tls(std::size_t index) { return tls_[index]; }

  /// Bytes of relay buffers the worker's WebSocket tunnels hold now (a gauge the
  /// worker's buffer pool keeps).
  [[nodiscard]] const counter& relay_buffer_bytes() const { return relay_buffer_bytes_; }
  [[nodiscard]] counter& relay_buffer_bytes() { return relay_buffer_bytes_; }

  /// Connections accepted plus requests finished: how the control thread tells
  /// that the worker has gone quiet (server/idle_memory_release.hpp).
  [[nodiscard]] const counter& activity() const { return activity_; }
  void record_accept() { bump(activity_); }

 private:
  std::array<stack_counters, routing::max_stacks + 1> stacks_{};
  std::array<tls_listener_counters, max_tls_listeners> tls_{};
  counter relay_buffer_bytes_{0};
  counter activity_{0};
};

}  // namespace quikedge::metrics
