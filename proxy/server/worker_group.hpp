// The data plane's lifecycle: the worker threads, their acceptors on every
// listener (bound here or adopted from a predecessor process), the access log
// they share, and the hand-out of a new routing table to all of them.
// Control thread only.
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "metrics/access_log.hpp"
#include "quikedge/config.hpp"
#include "routing/routing_table.hpp"
#include "server/change.hpp"
#include "server/listener_set.hpp"
#include "server/worker.hpp"

namespace quikedge::server {

class worker_group {
 public:
  explicit worker_group(boost::asio::io_context& control_io) : control_io_(control_io) {}
  ~worker_group();
  worker_group(const worker_group&) = delete;
  worker_group& operator=(const worker_group&) = delete;

  /// Creates the workers (`settings.workers`, 0: one per core), opens every
  /// listener on each (adopting the sockets in `inherited` first), prints the
  /// bound addresses and starts the workers with `table`. Throws on bind or
  /// resolve failure.
  void start(const config& settings, routing::routing_table_ptr table,
             const std::vector<tls::server_context_ptr>& tls,
             std::vector<inherited_listener>& inherited);

  /// Stops accepting (tunnels close over `drain`), waits up to `grace` for
  /// open connections, then stops the workers.
  void shutdown(std::chrono::milliseconds drain, std::chrono::milliseconds grace);

  /// Posts `table` to every worker; `done` runs on the control thread once
  /// all of them use it (at once when there are no workers).
  void install(const routing::routing_table_ptr& table, done_fn done);

  /// Posts new TLS contexts (by config listener) to every worker, for the
  /// handshakes that start from then on.
  void install_tls(const std::vector<tls::server_context_ptr>& tls);

  [[nodiscard]] const std::vector<std::unique_ptr<worker>>& workers() const { return workers_; }
  [[nodiscard]] bool listeners_up() const { return listeners_up_; }
  /// Every listening socket the workers accept on, for a hand-over.
  [[nodiscard]] const std::vector<listening_socket>& listening_sockets() const {
    return listening_;
  }

 private:
  boost::asio::io_context& control_io_;
  std::unique_ptr<metrics::access_log_writer> access_log_;  ///< declared first: outlives workers
  std::vector<std::unique_ptr<worker>> workers_;
  std::atomic<std::int64_t> open_connections_{0};
  std::vector<listening_socket> listening_;
  bool listeners_up_ = false;
};

}  // namespace quikedge::server
