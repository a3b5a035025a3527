// POST /api/v1/rollback with optional {"to":"blue","reason":"..."}.
#include <boost/json.hpp>

#include "admin/handlers.hpp"

namespace quikedge::admin {

void handle_rollback(control_plane& control, const call& c, const respond_fn& respond) {
  const auto& req = c.message;
  std::optional<std::string> to;
  std::string reason;
  if (!req.body().empty()) {
    boost::system::error_code ec;
    auto document = boost::json::parse(req.body(), ec);
    if (ec || !document.is_object()) {
      respond(error_response(req, http::status::bad_request, "body must be a JSON object"));
      return;
    }
    for (const auto& [key, value] : document.as_object()) {
      if ((key != "to" && key != "reason") || !value.is_string()) {
        respond(error_response(req, http::status::bad_request,
                               "unknown or non-string field \"" + std::string(key) + "\""));
        return;
      }
      (key == "to" ? to.emplace() : reason) = std::string(value.as_string());
    }
  }
  control.rollback(to, {c.token_name, c.client, reason},
                   [&control, &req, respond](const server::change_result& result) {
                     respond_with_state(control, req, result, respond);
                   });
}

}  // namespace quikedge::admin
