// The acceptors of every listener on every worker, opened here or adopted from
// the previous process of a binary upgrade. Control thread, at start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "quikedge/config.hpp"
#include "server/worker.hpp"

namespace quikedge::server {

/// A listener's sockets as received from the previous process, one per old
/// worker, each with its own accept queue. The fds are owned here until adopted.
struct inherited_listener {
  std::string name;
  std::string configured;  ///< the address as written in the old config
  std::vector<int> fds;
};

/// One listening socket this process accepts on, for the next hand-over.
struct listening_socket {
  std::string name;
  std::string configured;
  int fd = -1;  ///< owned by a worker's acceptor
};

/// Gives every worker an acceptor for every listener. A listener found in
/// `inherited` (same name and configured address) adopts all its sockets,
/// spread round-robin over the workers, and binds a new SO_REUSEPORT socket
/// only for workers left without one; the rest bind as usual. Inherited
/// sockets no listener wants are closed (logged). Prints each listener's
/// address and fills `owned`. Throws on bind errors.
/// `tls`: each listener's TLS contexts by config index (null: plain).
void open_listeners(const config& settings, const std::vector<tls::server_context_ptr>& tls,
                    std::vector<std::unique_ptr<worker>>& workers,
                    std::vector<inherited_listener>& inherited,
                    std::vector<listening_socket>& owned);

}  // namespace quikedge::server
