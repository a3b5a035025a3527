// SOCK_SEQPACKET framing and SCM_RIGHTS for the binary upgrade.
#include "server/handover_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace quikedge::server {
namespace {

// The state document is a few KiB; a frame larger than this is not ours.
constexpr std::size_t max_frame_bytes = 1 << 20;

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

handover_socket::~handover_socket() {
  close();
}

handover_socket::handover_socket(handover_socket&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

handover_socket& handover_socket::operator=(handover_socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void handover_socket::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

handover_socket::connect_status handover_socket::connect(const std::string& path,
                                                         std::string& error) {
  close();
  sockaddr_un where{};
  where.sun_family = AF_UNIX;
  if (path.size() >= sizeof where.sun_path) {
    error = "path too long";
    return connect_status::failed;
  }
  std::memcpy(where.sun_path, path.data(), path.size());
  fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error = errno_text();
    return connect_status::failed;
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&where), sizeof where) == 0) {
    return connect_status::connected;
  }
  const int code = errno;
  error = std::strerror(code);
  close();
  // ECONNREFUSED: a socket file whose process is gone (a crash, a SIGKILL).
  return code == ENOENT || code == ECONNREFUSED ? connect_status::nobody_listening
                                                : connect_status::failed;
}

bool handover_socket::peer_is_trusted(std::string& error) const {
  ucred peer{};
  socklen_t size = sizeof peer;
  if (::getsockopt(fd_, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0) {
    error = errno_text();
    return false;
  }
  if (peer.uid != ::geteuid() && peer.uid != 0) {
    error = "peer pid " + std::to_string(peer.pid) + " runs as uid " + std::to_string(peer.uid) +
            ", not " + std::to_string(::geteuid());
    return false;
  }
  return true;
}

bool handover_socket::send(const handover_frame& frame, std::string& error) {
  if (frame.fds.size() > max_fds_per_frame) {
    error = "too many descriptors in one frame";
    return false;
  }
  std::string packet = frame.type + '\n' + frame.body;
  iovec data{packet.data(), packet.size()};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * max_fds_per_frame));
  if (!frame.fds.empty()) {
    const std::size_t bytes = sizeof(int) * frame.fds.size();
    message.msg_control = control.data();
    message.msg_controllen = CMSG_SPACE(bytes);
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(bytes);
    std::memcpy(CMSG_DATA(header), frame.fds.data(), bytes);
  }
  ssize_t sent = 0;
  do {
    sent = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    error = errno_text();
    return false;
  }
  return true;
}

std::optional<handover_frame> handover_socket::receive(std::chrono::milliseconds timeout,
                                                       std::string& error) {
  pollfd ready{fd_, POLLIN, 0};
  int polled = 0;
  do {
    polled = ::poll(&ready, 1, static_cast<int>(timeout.count()));
  } while (polled < 0 && errno == EINTR);
  if (polled == 0) {
    error = "no answer within " + std::to_string(timeout.count()) + " ms";
    return std::nullopt;
  }
  if (polled < 0) {
    error = errno_text();
    return std::nullopt;
  }
  std::vector<char> packet(max_frame_bytes);
  std::vector<char> control(CMSG_SPACE(sizeof(int) * max_fds_per_frame));
  iovec data{packet.data(), packet.size()};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  ssize_t received = 0;
  do {
    received = ::recvmsg(fd_, &message, MSG_CMSG_CLOEXEC);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    error = errno_text();
    return std::nullopt;
  }
  handover_frame frame;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
      const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const auto* first = reinterpret_cast<const int*>(CMSG_DATA(header));
      for (std::size_t i = 0; i < count; ++i) {
        int fd = -1;
        std::memcpy(&fd, first + i, sizeof fd);
        frame.fds.push_back(fd);
      }
    }
  }
  if (received == 0) {
    error = "the other process closed the upgrade socket";
    return std::nullopt;
  }
  if ((message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    for (int fd : frame.fds) {
      ::close(fd);
    }
    error = "truncated frame";
    return std::nullopt;
  }
  std::string text(packet.data(), static_cast<std::size_t>(received));
  const auto newline = text.find('\n');
  if (newline == std::string::npos) {
    for (int fd : frame.fds) {
      ::close(fd);
    }
    error = "malformed frame";
    return std::nullopt;
  }
  frame.type = text.substr(0, newline);
  frame.body = text.substr(newline + 1);
  return frame;
}

}  // namespace quikedge::server
