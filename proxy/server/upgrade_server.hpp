// The running process's side of a binary upgrade: waits on the
// upgrade socket for a successor, hands it every listening socket and the
// routing state, and stops accepting when told. Control thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/handover_listener.hpp"
#include "server/handover_socket.hpp"
#include "server/listener_set.hpp"

namespace quikedge::server {

class upgrade_server {
 public:
  /// What the process gives a successor, and how it stops. Set before start().
  struct hooks {
    std::function<std::vector<listening_socket>()> sockets;
    std::function<int()> admin_fd;  ///< -1: none
    std::string admin_configured;   ///< admin.address as written in the config
    std::function<std::string()> state_json;
    /// The successor accepts on every socket: stop changing state (admin,
    /// rollouts). Runs before the final state is sent.
    std::function<void()> stop_serving;
    /// After the successor has the final state: begin the drain and exit.
    std::function<void()> drain_and_exit;
  };

  upgrade_server(boost::asio::io_context& io, std::string path, hooks h);

  /// Listens on the upgrade socket. False (logged) when it cannot: the process
  /// runs, but cannot be upgraded without dropping connections.
  bool start();
  /// Stops listening; removes the socket file unless a successor has it.
  void stop();
  /// Tells the successor that this process has drained and exits. Best effort.
  void say_exiting();
  [[nodiscard]] bool taken_over() const { return taken_over_; }

 private:
  void on_peer(handover_socket peer);
  bool send_sockets(pid_t peer_pid);
  void wait_for_took_over();
  void on_took_over();
  void drop_peer(const std::string& why);

  boost::asio::io_context& io_;
  std::string path_;
  hooks hooks_;
  handover_listener listener_;
  handover_socket peer_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> peer_wait_;  ///< a dup of peer_
  boost::asio::steady_timer peer_timer_;
  pid_t peer_pid_ = 0;
  bool taken_over_ = false;
};

}  // namespace quikedge::server
