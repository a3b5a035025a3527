// POST /api/v1/reload: re-read the config file (SIGHUP does the same).
#include "admin/handlers.hpp"

namespace quikedge::admin {

void handle_reload(admin_context& ctx, const call& c, const respond_fn& respond) {
  ctx.control.reload({c.token_name, c.client, "reload"},
                     [&ctx, &req = c.message, respond](const server::change_result& result) {
                       respond_with_state(ctx, req, result, respond);
                     });
}

}  // namespace quikedge::admin
