// Reads and validates a quikedge YAML config. Every error is reported at once,
// each with the file, line and column of the offending node.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "quikedge/config.hpp"

namespace quikedge {

struct config_error {
  std::string file;
  int line = 0;    ///< 1-based; 0 when unknown
  int column = 0;  ///< 1-based; 0 when unknown
  std::string message;

  /// "FILE:LINE:COL: message"
  [[nodiscard]] std::string to_string() const;
};

struct config_load_result {
  std::optional<config> value;  ///< set only when errors is empty
  std::vector<config_error> errors;
};

/// Parses and validates the file at `path` (shape, meaning, cross-references).
config_load_result load_config_file(const std::string& path);

/// Same as load_config_file, for text already in memory; `name` is used in errors.
config_load_result load_config_text(const std::string& text, const std::string& name);

/// Parses "250ms", "2s", "5m", "1h" (and "0"). Returns nullopt on anything else.
std::optional<duration> parse_duration(const std::string& text);

/// Parses "host:port" / "[v6]:port". Returns nullopt and sets `why` on error.
std::optional<address> parse_address(const std::string& text, std::string& why);

}  // namespace quikedge
