// The worker's WebSocket tunnels and their drain schedule. Worker only.
#pragma once

#include "http/tunnel_entry.hpp"
#include "routing/routing_table.hpp"
#include "util/intrusive_list.hpp"

namespace quikedge::http {

/// The worker's tunnels. Drains close them spread evenly over the window, so
/// clients do not all reconnect at the same moment.
class tunnel_list : public util::intrusive_list<tunnel_entry> {
 public:
  /// Applies the drains of `table`: tunnels of a draining stack get close times
  /// spread over [now, drain end]; tunnels of a stack no longer draining keep
  /// their connection. Already scheduled tunnels keep their slot.
  void apply_drains(const routing::routing_table& table, clock::time_point now);

  /// Begins closing every tunnel whose close time or idle deadline has passed;
  /// the others give back relay buffers they no longer need.
  void expire(clock::time_point now);
};

}  // namespace quikedge::http
