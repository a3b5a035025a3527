// POST /api/v1/reload: re-read the config file (SIGHUP does the same).
#include "admin/handlers.hpp"

namespace quikedge::admin {

void handle_reload(control_plane& control, const call& c, const respond_fn& respond) {
  control.reload({c.token_name, c.client, "reload"},
                 [&control, &req = c.message, respond](const server::change_result& result) {
                   respond_with_state(control, req, result, respond);
                 });
}

}  // namespace quikedge::admin
