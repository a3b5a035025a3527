// /api/v1/rollout: the rollout engine is not built yet; the endpoints answer
// honestly instead of pretending.
#include "admin/handlers.hpp"

namespace quikedge::admin {

void handle_get_rollout(control_plane&, const call& c, const respond_fn& respond) {
  respond(json_response(c.message, http::status::ok, R"({"state":"idle"})"));
}

void handle_rollout_action(control_plane&, const call& c, const respond_fn& respond) {
  respond(error_response(c.message, http::status::not_implemented,
                         "progressive rollouts are not available in this build"));
}

}  // namespace quikedge::admin
