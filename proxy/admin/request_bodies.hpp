// Strict readers of the admin API's JSON request bodies. Pure functions on the
// body text (no server types), so that unit tests and fuzzers call them directly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace quikedge::admin {

/// Stack name → weight; the same type as server::weight_map.
using body_weight_map = std::map<std::string, std::uint32_t>;

/// PUT /api/v1/weights: {"weights":{"blue":90,...}, "reason":"..."}; any other
/// shape is an error. Returns the 400 message, or nullopt when `weights` and
/// `reason` are filled. Stack names are checked later, by the control plane.
std::optional<std::string> parse_weights_body(const std::string& body, body_weight_map& weights,
                                              std::string& reason);

/// POST /api/v1/rollback: empty, or {"to":"blue","reason":"..."} (both optional).
struct rollback_body {
  std::optional<std::string> to;
  std::string reason;
};
std::optional<std::string> parse_rollback_body(const std::string& body, rollback_body& out);

/// POST /api/v1/rollout/{pause,resume,promote,abort}: empty, or {"reason":"..."}.
std::optional<std::string> parse_reason_body(const std::string& body, std::string& reason);

}  // namespace quikedge::admin
