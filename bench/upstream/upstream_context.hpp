// State shared by every worker of one quikedge-upstream process: the options, the
// responses computed once at start-up, and the counters behind /stats and /conn.
#pragma once

#include "upstream/options.hpp"

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace quikedge::bench::upstream {

// Written only by its worker, read by /stats on any worker: its own cache line so
// workers never write to a line another worker writes.
struct alignas(64) worker_counters {
  std::atomic<std::uint64_t> requests{0};

  void count_request() {
    requests.store(requests.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

class upstream_context {
 public:
  explicit upstream_context(upstream_options options);

  [[nodiscard]] const upstream_options& options() const { return options_; }

  // "X-Upstream: NAME\r\n", or empty without --name.
  [[nodiscard]] std::string_view extra_headers() const { return extra_headers_; }

  [[nodiscard]] std::uint64_t default_body_size() const { return default_body_size_; }
  // The default body when it is small enough to keep; empty when it must be streamed.
  [[nodiscard]] bool default_body_in_memory() const { return default_body_in_memory_; }
  [[nodiscard]] std::string_view default_body() const { return default_body_; }

  // The complete answer to the common case (200, default body, HTTP/1.1 keep-alive), and
  // its head alone for HEAD: appended as is, so the hot path formats nothing.
  [[nodiscard]] std::string_view fast_response() const { return fast_response_; }
  [[nodiscard]] std::string_view fast_head_response() const { return fast_head_response_; }

  // Serial number of a new connection; also the connections_accepted counter.
  std::uint64_t next_connection_serial() {
    return connections_accepted_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  [[nodiscard]] std::uint64_t connections_accepted() const {
    return connections_accepted_.load(std::memory_order_relaxed);
  }

  // WebSockets being served now, over all workers (/stats "websockets").
  void websocket_opened() { websockets_open_.fetch_add(1, std::memory_order_relaxed); }
  void websocket_closed() { websockets_open_.fetch_sub(1, std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t websockets_open() const {
    return websockets_open_.load(std::memory_order_relaxed);
  }

  worker_counters& counters(unsigned worker) { return counters_[worker]; }
  [[nodiscard]] std::uint64_t total_requests() const;

  // True while --health-file exists (always true without it). Checked on every /health
  // so that tests can flip health by creating and removing the file.
  [[nodiscard]] bool healthy() const;

 private:
  upstream_options options_;
  std::string extra_headers_;
  std::uint64_t default_body_size_ = 0;
  bool default_body_in_memory_ = true;
  std::string default_body_;
  std::string fast_response_;
  std::string fast_head_response_;
  std::atomic<std::uint64_t> connections_accepted_{0};
  std::atomic<std::int64_t> websockets_open_{0};
  std::vector<worker_counters> counters_;
};

}  // namespace quikedge::bench::upstream
