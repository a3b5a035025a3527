// What the admin handlers work on, passed in by whoever wires the process:
// the control plane (weights, rollback, reload), the state view, and the
// rollout engine behind its rollout_control interface, and the control loop
// (for calls the admin API makes itself). Control thread only.
#pragma once

#include <boost/asio/io_context.hpp>

#include "rollout/rollout_control.hpp"
#include "server/control_plane.hpp"
#include "server/state_view.hpp"

namespace quikedge::admin {

struct admin_context {
  server::control_plane& control;
  const server::state_view& view;
  rollout::rollout_control& rollouts;
  boost::asio::io_context& io;
};

}  // namespace quikedge::admin
