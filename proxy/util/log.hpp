// Process log on stderr with a level from the config (log_level) or the
// environment (QUIKEDGE_LOG_LEVEL wins). Not for the request path: the access
// log and metrics are.
#pragma once

#include <string_view>

#include "quikedge/config.hpp"

namespace quikedge::log {

/// Sets the level from `configured`, unless QUIKEDGE_LOG_LEVEL names a valid one.
void init(log_level configured);

[[nodiscard]] bool enabled(log_level level);

/// Writes "quikedge: LEVEL: message" when `level` is enabled. Thread-safe
/// (one write per line).
void write(log_level level, std::string_view message);

inline void debug(std::string_view m) {
  write(log_level::debug, m);
}
inline void info(std::string_view m) {
  write(log_level::info, m);
}
inline void warn(std::string_view m) {
  write(log_level::warn, m);
}
inline void error(std::string_view m) {
  write(log_level::error, m);
}

}  // namespace quikedge::log
