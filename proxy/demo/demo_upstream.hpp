// A tiny in-process HTTP upstream for `quikedge --demo`: answers every request
// with its name, so a newcomer sees the split with nothing else installed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <thread>

namespace quikedge::demo {

class demo_upstream {
 public:
  /// Binds 127.0.0.1 on an ephemeral port; answers with "<name>\n".
  explicit demo_upstream(std::string name);
  ~demo_upstream();

  [[nodiscard]] std::uint16_t port() const { return port_; }
  void start();

 private:
  void do_accept();

  std::string name_;
  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace quikedge::demo
