// Meaning and cross-reference layers of config validation. Startup, reload and
// admin weight patches all run these same checks on the plain structs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/source_map.hpp"
#include "quikedge/config.hpp"
#include "quikedge/config_loader.hpp"
#include "quikedge/weight_limits.hpp"

namespace quikedge::config_detail {

/// Checks a config whose shape was read (see read_sections.hpp): ranges, sums,
/// formats, readable files, then references between sections. Errors go to
/// `errors` at the positions in `where`; values that `where` marks unreadable
/// are skipped, since their error is already reported.
void validate_config(const config& cfg, const source_map& where, error_list& errors);

/// Meaning layer only (called by validate_config).
void validate_values(const config& cfg, const source_map& where, error_list& errors);
/// Cross-reference layer only (called by validate_config).
void validate_references(const config& cfg, const source_map& where, error_list& errors);

/// Meaning layer of one listener's `tls:` block at `path`: readable files,
/// PEM contents, each key matching its certificate, server names and ALPN.
class reporter;
void validate_tls(const tls_config& tls, const std::string& path, reporter& report);

/// Meaning layer of a stack's `tls:` block (TLS to its endpoints) at `path`:
/// a readable CA bundle with at least one PEM certificate, a DNS name as sni.
void validate_upstream_tls(const upstream_tls_config& tls, const std::string& path,
                           reporter& report);

/// How many PEM certificates `file` holds (0 when none parse or it cannot be read).
int count_certificates(const std::string& file);

/// Reports at `path` when `file` is empty or cannot be read; true when it can.
bool check_readable(reporter& report, const std::string& path, const std::string& file);

/// Parses `pair`'s certificate and key and checks that the key belongs to the
/// certificate; reports at `path`.certificate and `path`.private_key.
void check_pair(reporter& report, const std::string& path, const tls_certificate_config& pair);

/// Meaning layer of `state.etcd` beyond its shape: the TLS files, the client
/// pair, the user and its password file.
void validate_etcd_access(const etcd_config& etcd, reporter& report);

/// "app.example.com" or "*.example.com" (a wildcard only as the whole first label).
bool is_server_name(std::string_view name);

/// Validates a config built in code, e.g. the running config with an admin
/// patch applied. Errors carry key paths but no positions.
std::vector<config_error> validate_config(const config& cfg);

/// Small shared helper: reports at the value, or the key, of a key path.
class reporter {
 public:
  reporter(const source_map& where, error_list& errors) : where_(where), errors_(errors) {}

  [[nodiscard]] bool usable(const std::string& path) const { return !where_.is_broken(path); }
  [[nodiscard]] bool readable(const std::string& path) const {
    return !where_.is_broken_here(path);
  }
  void at_value(const std::string& path, const std::string& message) {
    errors_.add(where_.value_at(path), path + ": " + message);
  }
  void at_key(const std::string& path, const std::string& message) {
    errors_.add(where_.key_at(path), path + ": " + message);
  }

 private:
  const source_map& where_;
  error_list& errors_;
};

}  // namespace quikedge::config_detail
