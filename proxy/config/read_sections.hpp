// Shape layer: reads each config section from YAML into the plain structs.
// Ranges, sums and references between sections are checked later, in validate.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>

#include "config/node_reader.hpp"
#include "quikedge/config.hpp"

namespace quikedge::config_detail {

struct read_context {
  node_reader& reader;
  /// Relative file paths in the config (TLS files, audit log, state file) are
  /// taken relative to the config file's folder; empty: the working directory.
  std::filesystem::path base_dir;

  [[nodiscard]] std::string resolve(const std::string& path) const;
};

/// Reads the whole document into `out`, reporting every shape error.
void read_config(const YAML::Node& root, read_context& ctx, config& out);

void read_listeners(const field& f, read_context& ctx, config& out);
/// A listener's `tls:` block, in the single certificate/private_key form or
/// as a `certificates:` list (SPEC 12).
void read_tls(const field& f, read_context& ctx, listener_config& out);
void read_admin(const field& f, read_context& ctx, config& out);
void read_stacks(const field& f, read_context& ctx, config& out);
void read_routing(const field& f, read_context& ctx, config& out);
void read_timeouts(const field& f, read_context& ctx, config& out);
void read_limits(const field& f, read_context& ctx, config& out);
void read_retries(const field& f, read_context& ctx, config& out);
void read_access_log(const field& f, read_context& ctx, config& out);
void read_rollout(const field& f, read_context& ctx, config& out);
void read_trusted_proxies(const field& f, read_context& ctx, config& out);
void read_state(const field& f, read_context& ctx, config& out);

/// state.etcd.replica_id when the file leaves it empty: hostname:admin-port,
/// unique per machine and admin port, stable across restarts.
std::string default_replica_id(const config& cfg);

}  // namespace quikedge::config_detail
