// POST /api/v1/rollback with optional {"to":"blue","reason":"..."}.
#include "admin/handlers.hpp"
#include "admin/request_bodies.hpp"

namespace quikedge::admin {

void handle_rollback(admin_context& ctx, const call& c, const respond_fn& respond) {
  const auto& req = c.message;
  rollback_body body;
  if (auto error = parse_rollback_body(req.body(), body)) {
    respond(error_response(req, http::status::bad_request, *error));
    return;
  }
  ctx.control.rollback(body.to, {c.token_name, c.client, body.reason},
                       [&ctx, &req, respond](const server::change_result& result) {
                         respond_with_state(ctx, req, result, respond);
                       });
}

}  // namespace quikedge::admin
