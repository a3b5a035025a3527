// One load thread: its own io_context, its share of the connections and its own
// counters, so that threads share nothing while running.
#pragma once

#include "load/load_client.hpp"
#include "load/options.hpp"
#include "load/request_template.hpp"
#include "load/run_stats.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace quikedge::bench::load {

class ws_template;

// What every worker reads and nobody writes during the run.
struct run_plan {
  const bench_options* options = nullptr;
  const request_template* request = nullptr;
  const ws_template* websocket = nullptr;  // WebSocket mode only
  boost::asio::ip::tcp::endpoint endpoint;
  clock::time_point start;          // warm-up begins
  clock::time_point measure_start;  // warm-up ends: only requests sent from here count
  clock::time_point deadline;       // --duration end, or the 600 s bound (--idle: the bound of
                                    // the opening phase; the hold's end is set when it begins)
};

struct worker_share {
  unsigned first_connection = 0;  // global index of this worker's first connection
  unsigned connections = 0;
  std::optional<std::uint64_t> requests;  // this worker's part of --requests
};

class worker {
 public:
  worker(const run_plan& plan, worker_share share);
  ~worker();

  // Runs the worker's connections to the end of the run; call on the worker's thread.
  void run();
  // Ends the run now (SIGINT): the requests in flight are abandoned, the rest is
  // reported. Any thread.
  void end_early();

  [[nodiscard]] const run_stats& stats() const { return stats_; }
  // When the last measured request finished (the deadline for a --duration run).
  [[nodiscard]] clock::time_point finished() const { return finished_; }

  // What the clients use (worker thread only).
  [[nodiscard]] const run_plan& plan() const { return plan_; }
  [[nodiscard]] bool stopping() const { return stopping_; }
  // Whether a request sent now is measured: after warm-up and before the deadline.
  [[nodiscard]] bool measuring() const { return measuring_; }
  run_stats& stats() { return stats_; }
  boost::asio::io_context& io() { return io_; }
  // Claims one request of the --requests budget; false when it is spent.
  bool take_request();
  // A client has nothing left to do.
  void client_done();

  // WebSocket handshakes in progress are limited to --open-concurrency: a client waits
  // here (on its own timer, which release_open_slot() cancels to wake it) before it
  // connects, and releases the slot once its handshake is over, whatever the outcome.
  boost::asio::awaitable<void> acquire_open_slot(boost::asio::steady_timer& wake);
  void release_open_slot();
  // --idle: a client's WebSocket is open, or could not be opened. Once every client has
  // said so, the hold begins: it is announced on stderr and lasts --duration.
  void websocket_settled(bool open);
  // When the hold began (--idle); the epoch until then.
  [[nodiscard]] clock::time_point hold_started() const { return hold_started_; }

 private:
  boost::asio::awaitable<void> watchdog();
  void start_measuring();
  void stop();

  const run_plan& plan_;
  worker_share share_;
  boost::asio::io_context io_{1};
  std::vector<std::unique_ptr<load_client>> clients_;
  run_stats stats_;
  boost::asio::steady_timer warmup_timer_;
  boost::asio::steady_timer deadline_timer_;
  std::uint64_t issued_ = 0;
  unsigned active_clients_ = 0;
  unsigned opening_ = 0;
  std::deque<boost::asio::steady_timer*> open_waiters_;
  unsigned settled_ = 0;
  unsigned settled_open_ = 0;
  clock::time_point hold_started_{};
  bool measuring_ = false;
  bool stopping_ = false;
  clock::time_point finished_;
};

}  // namespace quikedge::bench::load
