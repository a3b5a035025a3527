// Builds routing tables from config and live weights, on the control thread.
// Stack and endpoint names get ids that stay the same across every table this
// builder makes, so worker-side arrays indexed by id survive table swaps.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "quikedge/config.hpp"
#include "routing/routing_table.hpp"

namespace quikedge::routing {

class table_builder {
 public:
  /// Builds version `version` of the table. Throws std::runtime_error when an
  /// endpoint does not resolve or there are more than max_stacks stack names.
  routing_table_ptr build(
      std::shared_ptr<const config> settings, const std::map<std::string, std::uint32_t>& weights,
      const std::map<std::string, std::chrono::steady_clock::time_point>& drains,
      const std::set<std::string>& finished_drains,
      const std::map<std::string, bool>& endpoint_health, std::uint64_t version);

  /// Names of every stack id handed out so far (index = id). Control thread only.
  [[nodiscard]] const std::vector<std::string>& stack_names() const { return stack_names_; }

  stack_id intern_stack(const std::string& name);
  endpoint_id intern_endpoint(const std::string& stack, const std::string& address);

 private:
  /// The upstream TLS contexts of `tls_settings_` (by stack index): built once
  /// per config (start, reload), not per table (weights change often).
  const std::vector<std::shared_ptr<const tls::client_context>>& upstream_tls(
      const std::shared_ptr<const config>& settings, bool dry_run);

  std::vector<std::string> stack_names_;
  std::shared_ptr<const config> tls_settings_;
  std::vector<std::shared_ptr<const tls::client_context>> tls_contexts_;
  std::vector<std::shared_ptr<const tls::client_context>> dry_run_contexts_;
  std::map<std::string, endpoint_id> endpoint_ids_;
};

}  // namespace quikedge::routing
