// The control plane: owns the live routing state (weights, version, who changed
// it), builds a new immutable table for every change and publishes it to all
// workers. Runs on the control thread only; the admin API drives it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "health/health_checker.hpp"
#include "metrics/access_log.hpp"
#include "quikedge/config.hpp"
#include "routing/table_builder.hpp"
#include "server/listener_set.hpp"
#include "server/live_state.hpp"
#include "server/worker.hpp"

namespace quikedge::server {

/// Who asked for a change, for the state and the audit log.
struct change_origin {
  std::string actor;   ///< token name, "config" or "operator"
  std::string client;  ///< client address of the admin call, or "local"
  std::string reason;
};

/// Result of a change request: empty error means applied.
struct change_result {
  int status = 200;
  std::string error;
};

class control_plane {
 public:
  using weight_map = std::map<std::string, std::uint32_t>;
  using done_fn = std::function<void(change_result)>;

  control_plane(boost::asio::io_context& control_io, std::shared_ptr<const config> settings);
  ~control_plane();

  /// Binds every listener on every worker (adopting the sockets in
  /// `inherited`, handed over by the previous process, first), prints the
  /// bound addresses and starts the workers. Throws on bind or resolve failure.
  void start(std::vector<inherited_listener>* inherited = nullptr);
  /// Stops accepting, waits up to `grace` for open connections, stops workers.
  void shutdown(std::chrono::milliseconds grace);

  /// Replaces the weights (every configured stack named). Validates, then
  /// publishes; `done` runs on the control thread once every worker uses them.
  /// `expected_version` implements If-Match.
  void set_weights(const weight_map& weights, std::optional<std::uint64_t> expected_version,
                   const change_origin& origin, const std::string& action, done_fn done);

  /// All weight to `to` (default: the stack that held all weight before the
  /// last shift began).
  void rollback(const std::optional<std::string>& to, const change_origin& origin, done_fn done);

  /// Re-reads the config file. Invalid files change nothing.
  void reload(const change_origin& origin, done_fn done);

  [[nodiscard]] const config& settings() const { return *settings_; }
  [[nodiscard]] const weight_map& weights() const { return weights_; }
  [[nodiscard]] std::uint64_t version() const { return version_; }
  [[nodiscard]] const routing::routing_table& table() const { return *table_; }
  [[nodiscard]] const std::vector<std::string>& stack_names() const {
    return builder_.stack_names();
  }
  [[nodiscard]] const std::vector<std::unique_ptr<worker>>& workers() const { return workers_; }
  [[nodiscard]] bool listeners_up() const { return listeners_up_; }

  /// The in-memory routing state, for a successor process (SPEC 13).
  [[nodiscard]] live_state export_state() const;
  /// Takes over a predecessor's state: its weights win over this config
  /// file's unless the file's weights changed since it read them (last change
  /// wins, as for reload). Before or after start(); no audit line, no new version.
  void import_state(const live_state& state);

  /// Every listening socket the workers accept on, for a hand-over.
  [[nodiscard]] const std::vector<listening_socket>& listening_sockets() const {
    return listening_;
  }

  /// GET /api/v1/state body.
  [[nodiscard]] std::string state_json() const;

  /// Listener addresses as bound (port 0 resolved), in config order.
  [[nodiscard]] const std::vector<std::string>& bound_listeners() const { return bound_; }

  /// Set by the rollout engine: the "rollout" object of the state document
  /// (GET /api/v1/rollout's body). Unset: {"state":"idle"}.
  std::function<std::string()> rollout_status_json;
  /// Set by the rollout engine: its current state name, for metrics.
  std::function<std::string()> rollout_state_name;

  /// Called after every applied change with the audit record fields.
  std::function<void(const change_origin&, const std::string& action, const std::string& before,
                     const std::string& after)>
      on_change;

 private:
  std::string weights_json(const weight_map& weights) const;
  std::optional<std::string> validate_weights(const weight_map& weights) const;
  /// A state change: new version, audit line, then the table.
  void publish(const change_origin& origin, const std::string& action, const std::string& before,
               done_fn done);
  /// Builds a table from the current state and installs it on every worker;
  /// `done` runs once all have it. Throws when the table cannot be built.
  void install_table(done_fn done);
  void on_health_change(const std::string& stack, const std::string& endpoint, bool healthy);
  void remember_stable_stack(const weight_map& old_weights);
  /// Starts a drain for every stack whose weight went to 0, ends the drain of
  /// every stack whose weight came back.
  void update_drains(const weight_map& old_weights, std::chrono::milliseconds window);
  void arm_drain_timer();
  void on_drain_timer();

  boost::asio::io_context& control_io_;
  std::shared_ptr<const config> settings_;
  routing::table_builder builder_;
  routing::routing_table_ptr table_;
  std::unique_ptr<metrics::access_log_writer> access_log_;  ///< declared first: outlives workers
  std::vector<std::unique_ptr<worker>> workers_;
  std::atomic<std::int64_t> open_connections_{0};
  std::vector<std::string> bound_;
  std::vector<listening_socket> listening_;
  bool listeners_up_ = false;

  weight_map weights_;
  weight_map file_weights_;         ///< weights of the config file last read (reload rule)
  std::uint64_t version_ = 1;       ///< API state version (admin changes)
  std::uint64_t table_serial_ = 1;  ///< every table built, health changes included
  std::map<std::string, bool> endpoint_health_;  ///< "stack\nendpoint" → healthy
  std::unique_ptr<health::health_checker> health_;
  std::chrono::system_clock::time_point changed_at_;
  std::string changed_by_ = "config";
  std::optional<std::string> stable_stack_;  ///< held all weight before the last shift
  std::map<std::string, std::chrono::steady_clock::time_point> drains_;  ///< stack → window end
  std::set<std::string> finished_drains_;  ///< drains whose window just ended
  boost::asio::steady_timer drain_timer_;
};

}  // namespace quikedge::server
