// What a worker gives each of its sessions: the current routing table, the
// picker, the upstream pool, counters and the deadline list. Worker only.
#pragma once

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "metrics/access_log.hpp"
#include "metrics/worker_metrics.hpp"
#include "routing/routing_table.hpp"
#include "routing/weighted_pick.hpp"
#include "upstream/connection_pool.hpp"
#include "upstream/endpoint_selector.hpp"
#include "upstream/outlier_tracker.hpp"
#include "util/intrusive_list.hpp"

namespace quikedge::http {

using clock = std::chrono::steady_clock;

/// True for a TLS stream (it wraps a next layer), false for a plain socket.
template <class Stream>
constexpr bool is_tls_stream = requires(Stream& stream) {
  stream.next_layer();
};

/// A session with a deadline. The worker's sweeper walks an intrusive list of
/// these a few times a second instead of arming a timer per request phase.
class deadline_entry {
 public:
  deadline_entry() = default;
  deadline_entry(const deadline_entry&) = delete;
  deadline_entry& operator=(const deadline_entry&) = delete;
  virtual ~deadline_entry() = default;

  /// Called by the sweeper, on the worker thread, once the deadline has passed.
  virtual void on_deadline() = 0;
  /// The process is stopping: close now if idle, else after the current exchange.
  virtual void on_shutdown() {}

  clock::time_point deadline = clock::time_point::max();
  deadline_entry* prev = nullptr;
  deadline_entry* next = nullptr;
};

class deadline_list : public util::intrusive_list<deadline_entry> {
 public:
  /// Fires every entry whose deadline is before `now`.
  void expire(clock::time_point now);
};

/// An established WebSocket tunnel, as the worker sees it: which stack it is
/// pinned to and when the drain of that stack will close it.
class tunnel_entry {
 public:
  tunnel_entry() = default;
  tunnel_entry(const tunnel_entry&) = delete;
  tunnel_entry& operator=(const tunnel_entry&) = delete;
  virtual ~tunnel_entry() = default;

  /// Starts a polite close: a 1001 close frame to both sides at frame boundaries.
  virtual void begin_close() = 0;

  routing::stack_id stack = 0;
  clock::time_point close_at = clock::time_point::max();
  clock::time_point idle_until = clock::time_point::max();
  bool closing = false;
  tunnel_entry* prev = nullptr;
  tunnel_entry* next = nullptr;
};

/// The worker's tunnels. Drains close them spread evenly over the window, so
/// clients do not all reconnect at the same moment.
class tunnel_list : public util::intrusive_list<tunnel_entry> {
 public:
  /// Applies the drains of `table`: tunnels of a draining stack get close times
  /// spread over [now, drain end]; tunnels of a stack no longer draining keep
  /// their connection. Already scheduled tunnels keep their slot.
  void apply_drains(const routing::routing_table& table, clock::time_point now);

  /// Begins closing every tunnel whose close time or idle deadline has passed.
  void expire(clock::time_point now);
};

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

/// 128-bit request ids from a per-worker xorshift generator: unique enough for
/// tracing, and free of locks and syscalls.
class request_id_generator {
 public:
  explicit request_id_generator(std::uint64_t seed);
  /// Writes 32 lower-case hex digits into `out` (which is overwritten).
  void next(std::string& out);

 private:
  std::uint64_t state_[2];
};

struct session_context {
  session_context(boost::asio::io_context& io_context, metrics::worker_metrics& worker_metrics,
                  std::atomic<std::int64_t>& open, std::uint64_t seed)
      : io(io_context),
        pool(io_context),
        metrics(worker_metrics),
        open_connections(open),
        selector(seed),
        request_ids(seed) {}

  /// Retry budget: every request earns budget_ratio of a token, a retry spends
  /// one, so retries add at most that share of load even when a stack is down.
  bool take_retry_token() {
    if (retry_tokens < 1.0) {
      return false;
    }
    retry_tokens -= 1.0;
    return true;
  }
  void earn_retry_token(double ratio) {
    // A small reserve lets an idle worker still retry its first failures.
    retry_tokens = std::min(retry_tokens + ratio, 10.0);
  }

  boost::asio::io_context& io;
  routing::routing_table_ptr table;  ///< replaced only by the worker, between requests
  routing::weighted_picker picker;
  upstream::connection_pool pool;
  upstream::outlier_tracker outliers;
  metrics::worker_metrics& metrics;
  std::atomic<std::int64_t>& open_connections;  ///< process-wide, for max_connections
  upstream::endpoint_selector selector;
  double retry_tokens = 3.0;
  deadline_list deadlines;
  tunnel_list tunnels;
  buffer_pool buffers;
  bool shutting_down = false;  ///< no more keep-alive: connections end after their exchange
  metrics::access_log_buffer* access_log = nullptr;  ///< null: access log off
  request_id_generator request_ids;
};

}  // namespace quikedge::http
