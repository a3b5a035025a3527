// The routing state of a running process (weights, version, who changed them,
// the rollback target, drain windows) as one record: what the state store
// keeps and what a binary upgrade hands to the successor. Plain data; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace quikedge::server {

struct live_state {
  std::uint64_t version = 1;
  std::map<std::string, std::uint32_t> weights;
  std::map<std::string, std::uint32_t> file_weights;  ///< of the config file last read
  std::chrono::system_clock::time_point changed_at;
  std::string changed_by;
  std::optional<std::string> stable_stack;
  std::map<std::string, std::chrono::milliseconds> drains_left;  ///< stack → rest of its window

  [[nodiscard]] std::string to_json() const;
  /// nullopt when `text` is not a state document.
  static std::optional<live_state> from_json(const std::string& text);
};

}  // namespace quikedge::server
