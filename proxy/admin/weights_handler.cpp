// PUT /api/v1/weights {"weights":{"blue":90,"green":10}} with optional If-Match.
#include <charconv>

#include "admin/handlers.hpp"
#include "admin/request_bodies.hpp"

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

void handle_put_weights(admin_context& ctx, const call& c, const respond_fn& respond) {
  const auto& req = c.message;
  std::optional<std::uint64_t> expected;
  if (!parse_if_match(req[http::field::if_match], expected)) {
    respond(error_response(req, http::status::bad_request, "If-Match must be a version number"));
    return;
  }
  server::weight_map weights;
  std::string reason;
  if (auto error = parse_weights_body(req.body(), weights, reason)) {
    respond(error_response(req, http::status::bad_request, *error));
    return;
  }
  // A rollout owns the weights until it ends; rollback and abort always work.
  if (const auto state = ctx.rollouts.state(); rollout::is_active(state)) {
    respond(error_response(req, http::status::conflict,
                           "a rollout is " + std::string(rollout::to_string(state)) +
                               "; promote or abort it (or roll back) before setting weights "
                               "by hand"));
    return;
  }
  ctx.control.set_weights(weights, expected, {c.token_name, c.client, reason}, "set_weights",
                          [&ctx, &req, respond](const server::change_result& result) {
                            respond_with_state(ctx, req, result, respond);
                          });
}

}  // namespace quikedge::admin
