// The control plane: owns the live routing state (weights, version, who
// changed it, the rollback target, drain windows) and carries out every
// change: validate, commit through the state store, then publish a new table
// to every worker. Start-up and shutdown of the workers go through its
// worker_group. Runs on the control thread only; the admin API and the
// rollout engine (through traffic_control) drive it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "health/health_checker.hpp"
#include "quikedge/config.hpp"
#include "rollout/traffic_control.hpp"
#include "server/change.hpp"
#include "server/drain_tracker.hpp"
#include "server/idle_memory_release.hpp"
#include "server/live_state.hpp"
#include "server/state_store.hpp"
#include "server/table_publisher.hpp"
#include "server/worker_group.hpp"
#include "tls/ticket_keys.hpp"
#include "tls/tls_context.hpp"

namespace quikedge::server {

class control_plane final : public rollout::traffic_control, private state_observer {
 public:
  using weight_map = server::weight_map;
  using done_fn = server::done_fn;

  /// `store` keeps the state across restarts; it must outlive this object.
  /// The control plane observes it first, so later observers (audit log,
  /// rollout engine) see the change already applied here.
  control_plane(boost::asio::io_context& control_io, std::shared_ptr<const config> settings,
                state_store& store);
  ~control_plane() override;

  /// Builds the first table, starts health checks and the workers on every
  /// listener (adopting the sockets in `inherited`, handed over by the
  /// previous process, first). Throws on bind or resolve failure.
  void start(std::vector<inherited_listener>* inherited = nullptr);
  /// Stops accepting, waits up to `grace` for open connections, stops workers.
  void shutdown(std::chrono::milliseconds grace);

  /// Restores the state the store holds (before start()); false when there
  /// is none. An unusable stored state is logged and changes nothing.
  bool restore_from_store();

  /// Replaces the weights (every configured stack named). Validates, commits
  /// through the store (`expected_version`: If-Match), then publishes; `done`
  /// runs on the control thread once every worker uses them.
  void set_weights(const weight_map& weights, std::optional<std::uint64_t> expected_version,
                   const change_origin& origin, const std::string& action, done_fn done) override;

  /// All weight to `to` (default: the stack that held all weight before the
  /// last shift began).
  void rollback(const std::optional<std::string>& to, const change_origin& origin,
                done_fn done) override;

  /// Re-reads the config file. Invalid files change nothing.
  void reload(const change_origin& origin, done_fn done);

  [[nodiscard]] rollout::counter_sample sample_stack(const std::string& stack,
                                                     rollout::steady_time now) const override;

  [[nodiscard]] const config& settings() const override { return *settings_; }
  /// The store every change goes through (reachability, fleet, for the admin API).
  [[nodiscard]] const state_store& store() const { return store_; }
  /// The same, to ask it for a fresh listing of the fleet (`?wait=fleet`).
  [[nodiscard]] state_store& store() { return store_; }
  [[nodiscard]] const weight_map& weights() const override { return weights_; }
  [[nodiscard]] std::uint64_t version() const { return version_; }
  [[nodiscard]] std::chrono::system_clock::time_point changed_at() const { return changed_at_; }
  [[nodiscard]] const std::string& changed_by() const { return changed_by_; }
  [[nodiscard]] const std::optional<std::string>& rollback_target() const { return stable_stack_; }
  [[nodiscard]] const routing::routing_table& table() const { return *tables_.table(); }
  [[nodiscard]] const std::vector<std::string>& stack_names() const {
    return tables_.stack_names();
  }
  [[nodiscard]] const std::vector<std::unique_ptr<worker>>& workers() const {
    return workers_.workers();
  }
  [[nodiscard]] bool listeners_up() const { return workers_.listeners_up(); }
  /// Returns free malloc memory to the kernel once the workers are quiet.
  [[nodiscard]] const idle_memory_release& memory_release() const { return memory_release_; }
  /// Each listener's TLS contexts in use for new handshakes (null: plain).
  [[nodiscard]] const std::vector<tls::server_context_ptr>& tls_contexts() const { return tls_; }
  /// Every listening socket the workers accept on, for a hand-over.
  [[nodiscard]] const std::vector<listening_socket>& listening_sockets() const {
    return workers_.listening_sockets();
  }

  /// The routing state, for the store or a successor process.
  [[nodiscard]] live_state export_state() const;
  /// Takes over a predecessor's state: its weights win over this config
  /// file's unless the file's weights changed since it read them (last change
  /// wins, as for reload). Before or after start(); no audit line, no commit.
  void import_state(const live_state& state);

 private:
  /// What a change leaves behind once committed.
  struct pending_change {
    weight_map weights;
    drain_tracker drains;
    std::optional<std::string> stable_stack;
    std::shared_ptr<const config> settings;  ///< a reload's new config, else the current one
    weight_map file_weights;
    bool reloaded = false;                     ///< health checks follow the new config
    std::vector<tls::server_context_ptr> tls;  ///< a reload's certificates, re-read
  };
  /// Commits `next` (the store checks `expected_version`), then applies it and
  /// publishes its table; `done` gets the first error or the workers' ack.
  void commit(pending_change next, std::optional<std::uint64_t> expected_version,
              const change_origin& origin, const std::string& action, done_fn done);
  /// The store committed a change: a local one is applied from `pending_`; a
  /// change made elsewhere (a shared store) from `state` alone.
  void on_state_committed(const live_state& state, const change_record& change) override;
  void apply(pending_change next, const live_state& committed);
  [[nodiscard]] pending_change prepare(weight_map weights, std::chrono::milliseconds drain_window,
                                       bool remember_stable) const;
  /// Builds a table from the current state and installs it on every worker;
  /// `done` runs once all have it. Throws when the table cannot be built.
  void install_table(done_fn done);
  void on_health_change(const std::string& stack, const std::string& endpoint, bool healthy);
  void arm_drain_timer();
  void on_drain_timer();
  void arm_ticket_rotation();

  boost::asio::io_context& control_io_;
  std::shared_ptr<const config> settings_;
  state_store& store_;
  worker_group workers_;
  table_publisher tables_{workers_};
  std::unique_ptr<health::health_checker> health_;

  weight_map weights_;
  weight_map file_weights_;    ///< weights of the config file last read (reload rule)
  std::uint64_t version_ = 1;  ///< API state version (admin changes)
  std::chrono::system_clock::time_point changed_at_;
  std::string changed_by_ = "config";
  std::optional<std::string> stable_stack_;  ///< held all weight before the last shift
  drain_tracker drains_;
  boost::asio::steady_timer drain_timer_;
  /// Session ticket keys of every TLS listener, kept across reloads.
  std::shared_ptr<tls::ticket_keys> ticket_keys_;
  std::vector<tls::server_context_ptr> tls_;
  boost::asio::steady_timer ticket_timer_;
  idle_memory_release memory_release_;
  /// Local changes being committed, oldest first: a remote store answers
  /// later, in the order it was asked, and may be asked again meanwhile.
  std::deque<pending_change> pending_;
  /// Reloads asked for while changes were in flight. A reload plans from the
  /// weights in use (last change wins against the file), so it waits for those
  /// changes: planned before them, it would commit the old weights after them.
  struct waiting_reload {
    change_origin origin;
    done_fn done;
  };
  std::deque<waiting_reload> waiting_reloads_;
  /// Runs the waiting reloads once nothing is in flight (posted, never nested).
  void resume_reloads();
  void reload_now(const change_origin& origin, done_fn done);
};

}  // namespace quikedge::server
