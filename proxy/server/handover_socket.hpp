// One end of the binary-upgrade Unix socket: SOCK_SEQPACKET, so every
// frame is one packet, and listening sockets travel with it as SCM_RIGHTS.
// Blocking calls bounded by timeouts; used on the control thread (and in main).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace quikedge::server {

/// One message: a type word ("hello", "sockets", "fds", "took_over", "stopped",
/// "exiting"), a JSON body and the descriptors that came with it.
struct handover_frame {
  std::string type;
  std::string body;
  std::vector<int> fds;  ///< owned by the receiver once received
};

class handover_socket {
 public:
  enum class connect_status { connected, nobody_listening, failed };

  /// Descriptors per frame: below the kernel's SCM_MAX_FD (253).
  static constexpr std::size_t max_fds_per_frame = 200;

  handover_socket() = default;
  explicit handover_socket(int fd) : fd_(fd) {}
  ~handover_socket();
  handover_socket(handover_socket&& other) noexcept;
  handover_socket& operator=(handover_socket&& other) noexcept;
  handover_socket(const handover_socket&) = delete;
  handover_socket& operator=(const handover_socket&) = delete;

  /// Connects to `path`. nobody_listening: no file, or a file with no process
  /// behind it (a crash left it); `error` says which.
  connect_status connect(const std::string& path, std::string& error);

  /// Sends one frame (at most max_fds_per_frame descriptors, which stay open
  /// here). False with `error` set when the peer is gone.
  bool send(const handover_frame& frame, std::string& error);

  /// Waits up to `timeout` for one frame. nullopt with `error` set on timeout,
  /// end of stream or a malformed frame.
  std::optional<handover_frame> receive(std::chrono::milliseconds timeout, std::string& error);

  /// True when the process at the other end runs as this process's user (or
  /// root). Listening sockets and the live state go only to such a peer, and
  /// are taken only from one: any other local user on the path is refused.
  [[nodiscard]] bool peer_is_trusted(std::string& error) const;

  [[nodiscard]] int native_handle() const { return fd_; }
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  void close();

 private:
  int fd_ = -1;
};

}  // namespace quikedge::server
