// The admin HTTP server, on the control thread's io_context. It never runs on,
// or blocks, a worker.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include "admin/admin_router.hpp"

namespace quikedge::admin {

class admin_session;

class admin_server {
 public:
  admin_server(boost::asio::io_context& io, admin_context ctx);

  /// Binds admin.address and starts accepting. Throws when it cannot bind.
  /// `inherited_fd`: the listening socket a predecessor handed over in a binary
  /// upgrade, accepted on instead of binding; -1 for none.
  void start(int inherited_fd = -1);
  /// The listening socket's descriptor, to hand to a successor; -1 when stopped.
  [[nodiscard]] int listening_socket() {
    return acceptor_.is_open() ? acceptor_.native_handle() : -1;
  }
  void stop();

  /// "host:port" as bound (port 0 resolved).
  [[nodiscard]] const std::string& bound_address() const { return bound_; }

 private:
  void do_accept();
  void admit(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  server::control_plane& control_;
  admin_router router_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::shared_ptr<std::atomic<std::size_t>> open_sessions_;  ///< admin connections open now
  /// Sessions in accept order, to close the oldest waiting one at the cap.
  std::deque<std::weak_ptr<admin_session>> sessions_;
  std::string bound_;
};

}  // namespace quikedge::admin
