// What a worker gives each of its sessions: the current routing table, the
// picker, the upstream pool, counters and the deadline list. Worker only.
#pragma once

#include <boost/asio/io_context.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "http/buffer_pool.hpp"
#include "http/deadline_list.hpp"
#include "http/request_id_generator.hpp"
#include "http/retry_budget.hpp"
#include "http/session_clock.hpp"
#include "http/stream_traits.hpp"
#include "http/tunnel_list.hpp"
#include "metrics/access_log.hpp"
#include "metrics/worker_metrics.hpp"
#include "routing/routing_table.hpp"
#include "routing/weighted_pick.hpp"
#include "upstream/connection_pool.hpp"
#include "upstream/endpoint_selector.hpp"
#include "upstream/outlier_tracker.hpp"
#include "upstream/tls_session_cache.hpp"

namespace quikedge::h2 {
class upstream_pool;
/// Defined in h2/upstream_pool.cpp, so that this header needs no h2 types.
struct upstream_pool_deleter {
  void operator()(upstream_pool* pool) const;
};
}  // namespace quikedge::h2

namespace quikedge::http {

struct session_context {
  session_context(boost::asio::io_context& io_context, metrics::worker_metrics& worker_metrics,
                  std::atomic<std::int64_t>& open, std::uint64_t seed)
      : io(io_context),
        pool(io_context),
        metrics(worker_metrics),
        open_connections(open),
        selector(seed),
        buffers(worker_metrics.relay_buffer_bytes()),
        request_ids(seed) {}

  boost::asio::io_context& io;
  routing::routing_table_ptr table;  ///< replaced only by the worker, between requests
  routing::weighted_picker picker;
  upstream::connection_pool pool;
  upstream::tls_session_cache upstream_sessions;  ///< resumable sessions of TLS stacks
  /// When each stack's last upstream TLS failure was logged: at most one line
  /// per stack per second (a wrong CA fails every request; the metric counts all).
  std::array<clock::time_point, routing::max_stacks> upstream_tls_logged{};
  upstream::outlier_tracker outliers;
  metrics::worker_metrics& metrics;
  std::atomic<std::int64_t>& open_connections;  ///< process-wide, for max_connections
  upstream::endpoint_selector selector;
  retry_budget retries;
  deadline_list deadlines;
  tunnel_list tunnels;
  buffer_pool buffers;
  bool shutting_down = false;  ///< no more keep-alive: connections end after their exchange
  metrics::access_log_buffer* access_log = nullptr;  ///< null: access log off
  request_id_generator request_ids;
  /// Multiplexed HTTP/2 connections to h2c stacks (SPEC 14); made on first use.
  std::unique_ptr<h2::upstream_pool, h2::upstream_pool_deleter> h2c_pool;
};

}  // namespace quikedge::http
