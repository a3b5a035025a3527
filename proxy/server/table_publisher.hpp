// Table publication: builds the immutable routing table from the config, the
// live weights, the drain windows and the endpoints' health, and hands it to
// every worker. Stack and endpoint ids stay stable across tables (one
// builder). Control thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "quikedge/config.hpp"
#include "routing/table_builder.hpp"
#include "server/change.hpp"
#include "server/drain_tracker.hpp"
#include "server/worker_group.hpp"

namespace quikedge::server {

class table_publisher {
 public:
  explicit table_publisher(worker_group& workers) : workers_(workers) {}

  /// Builds the first table, to start the workers with. Throws when an
  /// endpoint does not resolve.
  routing::routing_table_ptr build_first(std::shared_ptr<const config> settings,
                                         const weight_map& weights);

  /// Builds the next table (finished drains applied, then forgotten) and
  /// installs it on every worker; `done` runs once all use it. Throws when
  /// the table cannot be built.
  void publish(std::shared_ptr<const config> settings, const weight_map& weights,
               drain_tracker& drains, done_fn done);

  /// Throws what publish() would for these inputs; changes nothing.
  void check(std::shared_ptr<const config> settings, const weight_map& weights);

  /// Health verdicts that go into every following table.
  void set_endpoint_health(const std::string& stack, const std::string& endpoint, bool healthy);
  void replace_endpoint_health(std::map<std::string, bool> verdicts);

  /// The table last built; null before build_first().
  [[nodiscard]] const routing::routing_table_ptr& table() const { return table_; }
  [[nodiscard]] const std::vector<std::string>& stack_names() const {
    return builder_.stack_names();
  }

 private:
  worker_group& workers_;
  routing::table_builder builder_;
  routing::routing_table_ptr table_;
  std::uint64_t serial_ = 1;                     ///< every table built, health changes included
  std::map<std::string, bool> endpoint_health_;  ///< "stack\nendpoint" → healthy
};

}  // namespace quikedge::server
