// The listening end of the binary-upgrade socket: the running process waits
// here for its successor. Control thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <string>

#include "server/handover_socket.hpp"

namespace quikedge::server {

class handover_listener {
 public:
  explicit handover_listener(boost::asio::io_context& io) : descriptor_(io) {}
  ~handover_listener();
  handover_listener(const handover_listener&) = delete;
  handover_listener& operator=(const handover_listener&) = delete;

  /// Binds `path`, replacing a file left there (by a crash, or by the process
  /// this one took over from). False with `error` when it cannot.
  bool open(const std::string& path, std::string& error);

  /// Calls `on_peer` for every process that connects, until close().
  void accept(std::function<void(handover_socket)> on_peer);

  /// Stops listening. `remove_file`: unlink the path too, unless another
  /// process has bound it since (then it is theirs).
  void close(bool remove_file);

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  void do_wait();

  boost::asio::posix::stream_descriptor descriptor_;
  std::function<void(handover_socket)> on_peer_;
  std::string path_;
  unsigned long long inode_ = 0;  ///< of the file we bound, to tell it from a successor's
};

}  // namespace quikedge::server
