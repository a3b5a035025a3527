// The JSON bodies of the admin API's change calls, read with Boost.JSON. The
// start body of a rollout lives with the plan (rollout/rollout_plan).
#include "admin/request_bodies.hpp"

#include <boost/json.hpp>

#include "quikedge/weight_limits.hpp"

namespace quikedge::admin {

std::optional<std::string> parse_weights_body(const std::string& body, body_weight_map& weights,
                                              std::string& reason) {
  boost::system::error_code ec;
  auto document = boost::json::parse(body, ec);
  if (ec) {
    return "body is not valid JSON: " + ec.message();
  }
  if (!document.is_object()) {
    return "body must be a JSON object";
  }
  const auto& root = document.as_object();
  for (const auto& [key, value] : root) {
    if (key == "reason") {
      if (!value.is_string()) {
        return "\"reason\" must be a string";
      }
      reason = std::string(value.as_string());
    } else if (key != "weights") {
      return "unknown field \"" + std::string(key) + "\"";
    }
  }
  auto found = root.find("weights");
  if (found == root.end() || !found->value().is_object()) {
    return "body must have a \"weights\" object";
  }
  for (const auto& [name, value] : found->value().as_object()) {
    std::string stack(name);
    if (value.is_int64()) {
      if (value.as_int64() < 0) {
        return "weight of \"" + stack + "\" is negative";
      }
      if (value.as_int64() > max_stack_weight) {
        return "weight of \"" + stack + "\" is over " + std::to_string(max_stack_weight);
      }
      weights[stack] = static_cast<std::uint32_t>(value.as_int64());
    } else if (value.is_uint64()) {
      return "weight of \"" + stack + "\" is over " + std::to_string(max_stack_weight);
    } else {
      return "weight of \"" + stack + "\" must be a non-negative integer";
    }
  }
  return std::nullopt;
}

std::optional<std::string> parse_rollback_body(const std::string& body, rollback_body& out) {
  if (body.empty()) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto document = boost::json::parse(body, ec);
  if (ec || !document.is_object()) {
    return "body must be a JSON object";
  }
  for (const auto& [key, value] : document.as_object()) {
    if ((key != "to" && key != "reason") || !value.is_string()) {
      return "unknown or non-string field \"" + std::string(key) + "\"";
    }
    (key == "to" ? out.to.emplace() : out.reason) = std::string(value.as_string());
  }
  return std::nullopt;
}

std::optional<std::string> parse_reason_body(const std::string& body, std::string& reason) {
  if (body.empty()) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto document = boost::json::parse(body, ec);
  const auto* object = !ec ? document.if_object() : nullptr;
  const auto* given = object != nullptr ? object->if_contains("reason") : nullptr;
  if (object == nullptr || object->size() > (given != nullptr ? 1U : 0U) ||
      (given != nullptr && !given->is_string())) {
    return "body must be empty or {\"reason\":\"...\"}";
  }
  if (given != nullptr) {
    reason = std::string(given->as_string());
  }
  return std::nullopt;
}

}  // namespace quikedge::admin
