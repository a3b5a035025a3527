// The admin HTTP server, on the control thread's io_context. It never runs on,
// or blocks, a worker.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

#include "admin/admin_router.hpp"

namespace quikedge::admin {

class admin_server {
 public:
  admin_server(boost::asio::io_context& io, server::control_plane& control);

  /// Binds admin.address and starts accepting. Throws when it cannot bind.
  void start();
  void stop();

  /// "host:port" as bound (port 0 resolved).
  [[nodiscard]] const std::string& bound_address() const { return bound_; }

 private:
  void do_accept();

  boost::asio::io_context& io_;
  server::control_plane& control_;
  admin_router router_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string bound_;
};

}  // namespace quikedge::admin
