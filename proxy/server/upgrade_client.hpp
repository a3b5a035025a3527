// The new process's side of a binary upgrade: asks the running
// process for its listening sockets and routing state, then tells it to stop
// accepting once this process accepts on them. Main thread, before and just
// after the control plane starts.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "server/handover_socket.hpp"
#include "server/listener_set.hpp"
#include "server/live_state.hpp"

namespace quikedge::server {

/// What the running process handed over.
struct handover {
  pid_t pid = 0;
  std::vector<inherited_listener> listeners;
  int admin_fd = -1;  ///< owned here until adopted
  std::string admin_configured;
  std::optional<live_state> state;
  std::size_t socket_count = 0;  ///< listeners' sockets plus the admin one
};

class upgrade_client {
 public:
  explicit upgrade_client(std::string path) : path_(std::move(path)) {}

  /// Connects to the process listening on the upgrade socket and receives its
  /// sockets and state. nullopt when none runs there (a stale socket file is
  /// removed) or when it fails during the hand-over (logged: this process then
  /// binds its listeners itself, and the old accept queues are lost).
  std::optional<handover> take_over();

  /// Tells the old process that this one accepts on every socket: it stops
  /// accepting and drains. Returns its final routing state (a change that
  /// reached it during the hand-over), or nullopt when it did not answer (logged).
  std::optional<live_state> finish();

 private:
  std::optional<handover> receive_sockets();

  std::string path_;
  handover_socket socket_;
  pid_t old_pid_ = 0;
};

}  // namespace quikedge::server
