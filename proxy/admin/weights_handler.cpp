// PUT /api/v1/weights {"weights":{"blue":90,"green":10}} with optional If-Match.
#include <boost/json.hpp>

#include <charconv>

#include "admin/handlers.hpp"

namespace quikedge::admin {
namespace {

/// Parses If-Match: "N" or N. Returns false when present but malformed.
bool parse_if_match(std::string_view text, std::optional<std::uint64_t>& out) {
  if (text.empty()) {
    return true;
  }
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  std::uint64_t value = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
    return false;
  }
  out = value;
  return true;
}

}  // namespace

/// Reads {"weights":{...}, "reason":"..."} strictly; any other shape is an error.
std::optional<std::string> parse_weights_body(const std::string& body,
                                              control_plane::weight_map& weights,
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
      if (value.as_int64() > 1000000) {
        return "weight of \"" + stack + "\" is over 1000000";
      }
      weights[stack] = static_cast<std::uint32_t>(value.as_int64());
    } else if (value.is_uint64()) {
      return "weight of \"" + stack + "\" is over 1000000";
    } else {
      return "weight of \"" + stack + "\" must be a non-negative integer";
    }
  }
  return std::nullopt;
}

void handle_put_weights(control_plane& control, const call& c, const respond_fn& respond) {
  const auto& req = c.message;
  std::optional<std::uint64_t> expected;
  if (!parse_if_match(req[http::field::if_match], expected)) {
    respond(error_response(req, http::status::bad_request, "If-Match must be a version number"));
    return;
  }
  control_plane::weight_map weights;
  std::string reason;
  if (auto error = parse_weights_body(req.body(), weights, reason)) {
    respond(error_response(req, http::status::bad_request, *error));
    return;
  }
  // A rollout owns the weights until it ends; rollback and abort always work.
  const std::string rollout = control.rollout_state_name ? control.rollout_state_name() : "idle";
  if (rollout == "progressing" || rollout == "paused") {
    respond(error_response(req, http::status::conflict,
                           "a rollout is " + rollout +
                               "; promote or abort it (or roll back) before setting weights "
                               "by hand"));
    return;
  }
  control.set_weights(weights, expected, {c.token_name, c.client, reason}, "set_weights",
                      [&control, &req, respond](const server::change_result& result) {
                        respond_with_state(control, req, result, respond);
                      });
}

}  // namespace quikedge::admin
