// The order in which a process starts serving: the routing state first (from
// a predecessor in a binary upgrade, else from the state store), then the
// listeners, so no listener ever opens with stale weights. Main thread, once.
#pragma once

#include <string>

#include "server/control_plane.hpp"
#include "server/upgrade_client.hpp"

namespace quikedge::server {

/// Starts `control` with the state a running predecessor hands over through
/// `client` (null: no upgrade socket) or, without one, the state its store
/// saved before the last stop (`saved_at` names where, for the log). After a
/// hand-over the old process is told to stop and its last state applied.
/// Returns the admin socket to adopt, or -1. Throws what control_plane::start
/// throws.
int start_serving(control_plane& control, upgrade_client* client, const std::string& saved_at);

}  // namespace quikedge::server
