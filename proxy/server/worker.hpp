// A worker: one thread running one io_context that owns its acceptors, sessions,
// upstream pool and counters. Other threads talk to it only by posting work.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "http/session_context.hpp"
#include "metrics/worker_metrics.hpp"
#include "routing/routing_table.hpp"
#include "tls/tls_context.hpp"

namespace quikedge::server {

class worker {
 public:
  worker(unsigned index, std::atomic<std::int64_t>& open_connections);
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  [[nodiscard]] boost::asio::io_context& io() { return io_; }
  [[nodiscard]] const metrics::worker_metrics& metrics() const { return *metrics_; }

  /// Takes an acceptor created on io() for config listener `listener`.
  /// `tls`: the listener's TLS contexts, or null for plain HTTP. Before start() only.
  void add_acceptor(boost::asio::ip::tcp::acceptor acceptor, std::size_t listener,
                    tls::server_context_ptr tls, bool proxy_protocol);

  /// Posts new TLS contexts (index: config listener; null: plain) for the
  /// handshakes that start from then on; open connections keep theirs. `done`
  /// runs on the worker once it uses them. Any thread.
  void install_tls(std::vector<tls::server_context_ptr> contexts, std::function<void()> done);

  /// Logs this worker's requests through `writer`. Before start() only.
  void enable_access_log(metrics::access_log_writer& writer, double sample_rate);

  /// Starts the thread with `table` as the first routing table.
  void start(routing::routing_table_ptr table);

  /// Posts `table` to the worker; `done` runs on the worker once requests that
  /// start from then on see it. Any thread.
  void install(routing::routing_table_ptr table, std::function<void()> done);

  /// Stops accepting and winds sessions down: busy ones close after their
  /// response, idle ones almost at once, tunnels with a 1001 close spread over
  /// the first three quarters of `drain` (0: all at once). Any thread.
  void stop_accepting(std::chrono::milliseconds drain);

  /// Stops the io_context and joins the thread.
  void stop();

 private:
  struct acceptor_slot {
    boost::asio::ip::tcp::acceptor acceptor;
    std::size_t listener = 0;     ///< index in the config's listeners (and in tls_)
    bool proxy_protocol = false;  ///< connections open with a PROXY header
    std::unique_ptr<boost::asio::steady_timer> retry_timer;
    /// The peer of the accept in flight, filled by accept itself (no getpeername).
    boost::asio::ip::tcp::endpoint peer;
  };

  void install_now(routing::routing_table_ptr table);
  void do_accept(acceptor_slot& slot);
  void on_accept(acceptor_slot& slot, const boost::system::error_code& ec,
                 boost::asio::ip::tcp::socket socket);
  void serve(acceptor_slot& slot, boost::asio::ip::tcp::socket socket);
  void do_sweep();
  void close_idle_sessions();
  void schedule_tunnel_closes(std::chrono::milliseconds drain);

  unsigned index_;
  boost::asio::io_context io_{1};
  std::unique_ptr<metrics::worker_metrics> metrics_;
  std::atomic<std::int64_t>& open_connections_;
  http::session_context context_;
  std::vector<std::unique_ptr<acceptor_slot>> acceptors_;
  /// Per config listener: its TLS contexts (null: plain HTTP). Replaced only
  /// on this worker's thread, read there at each accept: no lock.
  std::vector<tls::server_context_ptr> tls_;
  boost::asio::steady_timer sweep_timer_;
  http::clock::time_point close_idle_at_ = http::clock::time_point::max();
  std::unique_ptr<metrics::access_log_buffer> access_log_;
  std::thread thread_;
};

}  // namespace quikedge::server
