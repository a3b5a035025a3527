// The rollout engine as this process runs it: on its own (one machine, the
// rollout kept in the state file beside the weights), or in a fleet under an etcd-elected leader
// whose gates count the target's requests on every replica. Control thread.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

#include "quikedge/config.hpp"
#include "rollout/fleet_traffic.hpp"
#include "rollout/rollout_engine.hpp"
#include "server/control_plane.hpp"
#include "server/etcd_rollout_leadership.hpp"
#include "server/file_state_store.hpp"
#include "server/state_file_rollout.hpp"

namespace quikedge::server {

class rollout_runtime {
 public:
  /// A fleet when `settings` keeps its state in etcd; otherwise the rollout is
  /// kept in `file`'s state file. `control` and `file` must outlive this.
  rollout_runtime(boost::asio::io_context& control_io, control_plane& control,
                  const config& settings, file_state_store* file);

  [[nodiscard]] rollout::rollout_engine& engine() { return *engine_; }

  /// Resumes a stored rollout (one machine) or joins the leadership (a fleet,
  /// `admin_address` as bound, where the others send operators' calls).
  void start(const std::string& admin_address);
  /// Stops driving; a fleet's leader resigns so another takes over at once.
  void stop();

 private:
  std::unique_ptr<state_file_rollout> state_file_;
  std::unique_ptr<etcd_rollout_leadership> leadership_;
  std::unique_ptr<rollout::fleet_traffic> traffic_;
  std::unique_ptr<rollout::rollout_engine> engine_;
};

}  // namespace quikedge::server
