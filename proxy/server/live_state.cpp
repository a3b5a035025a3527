// JSON form of the handed-over routing state.
#include "server/live_state.hpp"

#include <boost/json.hpp>

#include "quikedge/weight_limits.hpp"
#include "util/json_numbers.hpp"

namespace quikedge::server {
namespace {

constexpr std::uint64_t max_timestamp_ms = 4'102'444'800'000;  ///< 2100-01-01
constexpr std::uint64_t max_drain_left_ms = 7ULL * 24 * 3600 * 1000;

boost::json::object weights_object(const std::map<std::string, std::uint32_t>& weights) {
  boost::json::object object;
  for (const auto& [name, weight] : weights) {
    object[name] = weight;
  }
  return object;
}

bool read_weights(const boost::json::value* value, std::map<std::string, std::uint32_t>& out) {
  if (value == nullptr || !value->is_object()) {
    return false;
  }
  for (const auto& [name, weight] : value->as_object()) {
    if (!weight.is_int64() || weight.as_int64() < 0 || weight.as_int64() > max_stack_weight) {
      return false;
    }
    out[std::string(name)] = static_cast<std::uint32_t>(weight.as_int64());
  }
  return true;
}

}  // namespace

std::string live_state::to_json() const {
  boost::json::object drains;
  for (const auto& [name, left] : drains_left) {
    drains[name] = left.count();
  }
  boost::json::object state{{"version", version},
                            {"weights", weights_object(weights)},
                            {"file_weights", weights_object(file_weights)},
                            {"changed_at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  changed_at.time_since_epoch())
                                                  .count()},
                            {"changed_by", changed_by},
                            {"drains_left_ms", std::move(drains)}};
  if (stable_stack) {
    state["stable_stack"] = *stable_stack;
  }
  return boost::json::serialize(state);
}

std::optional<live_state> live_state::from_json(const std::string& text) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    return std::nullopt;
  }
  const auto& object = parsed.as_object();
  live_state state;
  const auto* version = object.if_contains("version");
  const auto* changed_at = object.if_contains("changed_at_ms");
  const auto* changed_by = object.if_contains("changed_by");
  // Bounded where chrono would overflow: nanosecond clocks end in 2262.
  const auto version_number = util::json_unsigned(version);
  const auto changed_at_ms = util::json_unsigned(changed_at);
  if (!version_number || !changed_at_ms || *changed_at_ms > max_timestamp_ms ||
      changed_by == nullptr || !changed_by->is_string() ||
      !read_weights(object.if_contains("weights"), state.weights) ||
      !read_weights(object.if_contains("file_weights"), state.file_weights)) {
    return std::nullopt;
  }
  state.version = *version_number;
  state.changed_at = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::milliseconds(static_cast<std::int64_t>(*changed_at_ms))));
  state.changed_by = std::string(changed_by->as_string());
  if (const auto* stable = object.if_contains("stable_stack"); stable && stable->is_string()) {
    state.stable_stack = std::string(stable->as_string());
  }
  if (const auto* drains = object.if_contains("drains_left_ms"); drains && drains->is_object()) {
    for (const auto& [name, left] : drains->as_object()) {
      if (const auto ms = util::json_unsigned(left); ms && *ms <= max_drain_left_ms) {
        state.drains_left[std::string(name)] =
            std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
      }
    }
  }
  return state;
}

}  // namespace quikedge::server
