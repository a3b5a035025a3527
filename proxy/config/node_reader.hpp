// Shape layer helpers: walk yaml-cpp nodes, check types and keys, and read
// typed scalars, recording every position and error on the way.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/source_map.hpp"
#include "quikedge/config.hpp"

namespace quikedge::config_detail {

/// One entry of a map or list: its key ("" for list items), its full key path
/// ("routing.weights.blue", "listeners[0]") and its value.
struct field {
  std::string key;
  std::string path;
  YAML::Node value;
};

using fields = std::vector<field>;

std::string child_path(const std::string& parent, std::string_view key);

/// Returns the entry named `key`, or nullptr.
const field* find_field(const fields& map, std::string_view key);

class node_reader {
 public:
  node_reader(source_map& where, error_list& errors) : where_(where), errors_(errors) {}

  [[nodiscard]] const source_map& where() const { return where_; }

  /// Records the root node's position so that errors about missing top-level keys have one.
  void set_root(const YAML::Node& root);

  /// Reports an error at the value of `path` and marks it unreadable.
  void fail(const std::string& path, const std::string& message);
  /// Reports an error at the key of `path` and marks it unreadable.
  void fail_at_key(const std::string& path, const std::string& message);

  /// Entries of the map at `path` in file order. Reports a value that is not a
  /// map, duplicate keys and, when `allowed` is not empty, keys not in it.
  std::optional<fields> map_entries(const YAML::Node& node, const std::string& path,
                                    std::initializer_list<std::string_view> allowed);
  /// Items of the list at `path`, with paths "path[i]".
  std::optional<fields> list_items(const YAML::Node& node, const std::string& path);

  /// Returns the entry named `key`; reports it missing (at the parent) if absent.
  const field* require(const fields& map, const std::string& parent, std::string_view key);

  // Each read_* leaves `out` unchanged and reports an error when the value is unusable.
  bool read_string(const field& f, std::string& out);
  bool read_duration(const field& f, duration& out);
  bool read_address(const field& f, address& out);
  /// Reads "10.0.0.0/8", "192.168.1.7", "::1/128" (see parse_ip_range).
  bool read_ip_range(const field& f, ip_range& out);
  /// Reads true or false, as written in lower case.
  bool read_bool(const field& f, bool& out);
  bool read_number(const field& f, double& out);
  /// Reads the index of the value in `choices`.
  bool read_choice(const field& f, std::initializer_list<std::string_view> choices, int& out);
  bool read_unsigned_max(const field& f, std::uint64_t max, std::uint64_t& out);

  template <typename T>
  bool read_unsigned(const field& f, T& out) {
    std::uint64_t value = 0;
    if (!read_unsigned_max(f, static_cast<std::uint64_t>(std::numeric_limits<T>::max()), value)) {
      return false;
    }
    out = static_cast<T>(value);
    return true;
  }

 private:
  /// The scalar text of `f`, or nullopt (reported) if it is a map, list or empty.
  std::optional<std::string> scalar(const field& f, std::string_view what);

  source_map& where_;
  error_list& errors_;
};

}  // namespace quikedge::config_detail
