// The I/O backend decision and the exec into the sibling build.
#include "server/io_backend_choice.hpp"

#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace quikedge::server {
namespace {

/// Set by a process for the sibling it execs: the backend already decided, so
/// the sibling neither probes again nor execs back.
constexpr const char* handed_over_env = "QUIKEDGE_IO_BACKEND_EXEC";
/// The operator's override of the config's io_backend (tests run the suite on each).
constexpr const char* override_env = "QUIKEDGE_IO_BACKEND";

io_backend parse_backend(std::string_view name, const char* where) {
  if (name == "auto") {
    return io_backend::automatic;
  }
  if (name == "epoll") {
    return io_backend::epoll;
  }
  if (name == "io_uring") {
    return io_backend::io_uring;
  }
  throw std::runtime_error(std::string(where) + ": must be one of auto, epoll, io_uring, got \"" +
                           std::string(name) + "\"");
}

std::string own_directory() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) {
    return ".";
  }
  std::string_view exe(path, static_cast<std::size_t>(n));
  const auto slash = exe.rfind('/');
  return slash == std::string_view::npos ? "." : std::string(exe.substr(0, slash));
}

}  // namespace

const char* backend_name(io_backend backend) {
  switch (backend) {
    case io_backend::automatic:
      return "auto";
    case io_backend::epoll:
      return "epoll";
    case io_backend::io_uring:
      return "io_uring";
  }
  return "epoll";
}

io_backend built_backend() {
#ifdef QUIKEDGE_IO_URING_BUILD
  return io_backend::io_uring;
#else
  return io_backend::epoll;
#endif
}

const char* binary_for(io_backend backend) {
  return backend == io_backend::io_uring ? "quikedge-io_uring" : "quikedge";
}

bool io_uring_usable(std::string& why) {
  // The same call Asio makes at start-up, made here first so that a refusal
  // (ENOSYS: no kernel support or seccomp; EPERM: io_uring_disabled) picks epoll
  // instead of failing later inside Asio.
  io_uring_params params{};
  const long fd = ::syscall(__NR_io_uring_setup, 4, &params);
  if (fd < 0) {
    why = std::string("io_uring_setup failed: ") + std::strerror(errno);
    return false;
  }
  ::close(static_cast<int>(fd));
  return true;
}

backend_decision decide_backend(io_backend requested, bool uring_usable,
                                const std::string& uring_unusable_why, bool uring_binary_present) {
  backend_decision d;
  switch (requested) {
    case io_backend::epoll:
      d.use = io_backend::epoll;
      return d;
    case io_backend::io_uring:
      d.use = io_backend::io_uring;
      if (!uring_usable) {
        d.error = "io_backend: io_uring cannot run here (" + uring_unusable_why +
                  "); use io_backend: auto or epoll";
      } else if (!uring_binary_present) {
        d.error = "io_backend: io_uring needs the quikedge-io_uring binary next to quikedge";
      }
      return d;
    case io_backend::automatic:
      break;
  }
  if (!uring_usable) {
    d.use = io_backend::epoll;
    d.reason = "auto: " + uring_unusable_why;
  } else if (!uring_binary_present) {
    d.use = io_backend::epoll;
    d.reason = "auto: no quikedge-io_uring binary next to this one";
  } else {
    d.use = io_backend::io_uring;
    d.reason = "auto: the kernel allows io_uring";
  }
  return d;
}

std::string enter_io_backend(io_backend configured, char** argv) {
  const io_backend built = built_backend();
  if (const char* handed = std::getenv(handed_over_env)) {
    const io_backend decided = parse_backend(handed, handed_over_env);
    ::unsetenv(handed_over_env);
    if (decided != built) {
      throw std::runtime_error(std::string("io_backend: ") + binary_for(decided) +
                               " was expected; this binary is built for " + backend_name(built));
    }
    return std::string("io_backend ") + backend_name(built);
  }
  io_backend requested = configured;
  std::string source = "config";
  if (const char* forced = std::getenv(override_env); forced != nullptr && *forced != '\0') {
    requested = parse_backend(forced, override_env);
    source = override_env;
  }
  const std::string dir = own_directory();
  const std::string sibling = dir + "/" + binary_for(io_backend::io_uring);
  const bool uring_binary = built == io_backend::io_uring || ::access(sibling.c_str(), X_OK) == 0;
  std::string why;
  const bool usable = requested == io_backend::epoll || io_uring_usable(why);
  const backend_decision d = decide_backend(requested, usable, why, uring_binary);
  if (!d.error.empty()) {
    throw std::runtime_error(d.error);
  }
  std::string line = std::string("io_backend ") + backend_name(d.use) + " (" +
                     (d.reason.empty() ? source : d.reason) + ")";
  if (d.use == built) {
    return line;
  }
  const std::string target = dir + "/" + binary_for(d.use);
  ::setenv(handed_over_env, backend_name(d.use), 1);
  ::execv(target.c_str(), argv);
  throw std::runtime_error("io_backend: cannot execute " + target + ": " + std::strerror(errno));
}

}  // namespace quikedge::server
