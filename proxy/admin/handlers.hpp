// Admin endpoint handlers, one file each. All run on the control thread and
// answer through `respond`, possibly later (changes wait for worker acks).
#pragma once

#include "admin/admin_context.hpp"
#include "admin/admin_types.hpp"
#include "server/control_plane.hpp"

namespace quikedge::admin {

using server::control_plane;

void handle_healthz(admin_context& ctx, const call& c, const respond_fn& respond);
void handle_readyz(admin_context& ctx, const call& c, const respond_fn& respond);
void handle_metrics(admin_context& ctx, const call& c, const respond_fn& respond);
void handle_state(admin_context& ctx, const call& c, const respond_fn& respond);
/// GET /api/v1/fleet: the replicas sharing the state store.
void handle_fleet(admin_context& ctx, const call& c, const respond_fn& respond);
/// The body of GET /api/v1/fleet.
std::string fleet_json(const control_plane& control, const rollout::rollout_control& rollouts);
void handle_put_weights(admin_context& ctx, const call& c, const respond_fn& respond);
void handle_rollback(admin_context& ctx, const call& c, const respond_fn& respond);
void handle_reload(admin_context& ctx, const call& c, const respond_fn& respond);
/// GET /: the live dashboard page (one self-contained HTML file).
void handle_dashboard(control_plane& control, const call& c, const respond_fn& respond);
void handle_get_rollout(admin_context& ctx, const call& c, const respond_fn& respond);
void handle_rollout_action(admin_context& ctx, const call& c, const respond_fn& respond);

/// Answers a finished change with the new state, or the change's error.
void respond_with_state(const admin_context& ctx, const request& req,
                        const server::change_result& result, const respond_fn& respond);

}  // namespace quikedge::admin
