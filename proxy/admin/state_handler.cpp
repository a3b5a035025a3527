// GET /api/v1/state, and the state answer shared by every change endpoint.
#include "admin/handlers.hpp"

namespace quikedge::admin {

void handle_state(admin_context& ctx, const call& c, const respond_fn& respond) {
  respond(json_response(c.message, http::status::ok, ctx.view.state_json()));
}

void respond_with_state(const admin_context& ctx, const request& req,
                        const server::change_result& result, const respond_fn& respond) {
  if (!result.error.empty()) {
    respond(error_response(req, static_cast<http::status>(result.status), result.error));
    return;
  }
  respond(json_response(req, http::status::ok, ctx.view.state_json()));
}

}  // namespace quikedge::admin
