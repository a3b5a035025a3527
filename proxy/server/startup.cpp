// Start-up order: state, then listeners, then the predecessor's last word.
#include "server/startup.hpp"

#include <unistd.h>

#include <iostream>

#include "util/log.hpp"

namespace quikedge::server {

int start_serving(control_plane& control, upgrade_client* client, const std::string& saved_at) {
  std::optional<handover> inherited;
  if (client != nullptr) {
    inherited = client->take_over();
  }
  if (!inherited) {
    if (control.restore_from_store()) {
      std::cout << "quikedge: restored state version " << control.version() << " from " << saved_at
                << std::endl;
    }
    control.start();
    return -1;
  }
  if (inherited->state) {
    control.import_state(*inherited->state);
  }
  control.start(&inherited->listeners);
  // Only now, with every old socket accepted on here, may the old process stop.
  if (auto last = client->finish();
      last && (!inherited->state || last->version != inherited->state->version)) {
    control.import_state(*last);
  }
  const auto& admin = control.settings().admin.bind;
  std::cout << "quikedge: took over " << inherited->socket_count << " listening sockets from pid "
            << inherited->pid << std::endl;
  if (inherited->admin_fd >= 0 && inherited->admin_configured != admin.to_string()) {
    log::warn("upgrade: admin.address changed; binding " + admin.to_string() + " anew");
    ::close(inherited->admin_fd);
    return -1;
  }
  return inherited->admin_fd;
}

}  // namespace quikedge::server
