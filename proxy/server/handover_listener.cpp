// Upgrade socket listener: bind, accept, and careful removal of the path.
#include "server/handover_listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/log.hpp"

namespace quikedge::server {

handover_listener::~handover_listener() {
  close(false);
}

bool handover_listener::open(const std::string& path, std::string& error) {
  sockaddr_un where{};
  where.sun_family = AF_UNIX;
  if (path.size() >= sizeof where.sun_path) {
    error = "path too long";
    return false;
  }
  std::memcpy(where.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  ::unlink(path.c_str());
  // Owner-only from the moment it exists: whoever connects may ask for every
  // listening socket. (umask is process-wide; this runs on the control thread
  // at start-up, before anything else creates files.)
  const mode_t previous_mask = ::umask(0077);
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&where), sizeof where);
  ::umask(previous_mask);
  if (bound != 0 || ::listen(fd, 4) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return false;
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    inode_ = info.st_ino;
  }
  path_ = path;
  descriptor_.assign(fd);
  return true;
}

void handover_listener::accept(std::function<void(handover_socket)> on_peer) {
  on_peer_ = std::move(on_peer);
  do_wait();
}

void handover_listener::do_wait() {
  descriptor_.async_wait(
      boost::asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
        if (ec || !descriptor_.is_open()) {
          return;
        }
        const int peer = ::accept4(descriptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
        if (peer >= 0) {
          handover_socket connection(peer);
          std::string why;
          if (!connection.peer_is_trusted(why)) {
            log::warn("upgrade socket: refused a connection from " + why);
          } else if (on_peer_) {
            on_peer_(std::move(connection));
          }
        } else if (peer < 0 && errno != EAGAIN && errno != EINTR) {
          log::warn(std::string("upgrade socket: accept failed: ") + std::strerror(errno));
        }
        do_wait();
      });
}

void handover_listener::close(bool remove_file) {
  if (descriptor_.is_open()) {
    boost::system::error_code ignored;
    descriptor_.close(ignored);
  }
  if (remove_file && !path_.empty()) {
    struct stat info {};
    if (::stat(path_.c_str(), &info) == 0 && info.st_ino == inode_) {
      ::unlink(path_.c_str());
    }
  }
  path_.clear();
}

}  // namespace quikedge::server
