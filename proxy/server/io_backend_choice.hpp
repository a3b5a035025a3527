// Which I/O backend this process runs, and the switch to the binary built for the
// other one.
//
// Asio chooses its reactor at compile time, so each backend is its own build of
// the same sources, installed side by side: `quikedge` (epoll) and
// `quikedge-io_uring`. A process whose build does not match the backend the
// config (or QUIKEDGE_IO_BACKEND) asks for re-executes the other binary with the
// same arguments and environment before it opens anything: same PID, so service
// managers, the binary upgrade and tests that stop it by PID see one process.
#pragma once

#include <string>

#include "quikedge/config.hpp"

namespace quikedge::server {

/// "auto", "epoll" or "io_uring".
[[nodiscard]] const char* backend_name(io_backend backend);

/// The backend this binary was built for.
[[nodiscard]] io_backend built_backend();

/// The file name of the binary built for `backend`, next to this one.
[[nodiscard]] const char* binary_for(io_backend backend);

/// True when this process may set up an io_uring (a kernel with it, not disabled
/// by sysctl `kernel.io_uring_disabled`, not forbidden by seccomp); otherwise
/// false with the reason in `why`.
[[nodiscard]] bool io_uring_usable(std::string& why);

struct backend_decision {
  io_backend use = io_backend::epoll;
  std::string reason;  ///< why, for the start-up log line ("" when forced)
  std::string error;   ///< non-empty: the requested backend cannot run here
};

/// The pure rule: `requested` (never automatic in the answer), whether io_uring
/// can run, and whether the binary for it is installed.
[[nodiscard]] backend_decision decide_backend(io_backend requested, bool uring_usable,
                                              const std::string& uring_unusable_why,
                                              bool uring_binary_present);

/// Resolves the backend for this process (the config's `configured`, unless
/// QUIKEDGE_IO_BACKEND overrides it) and, when it is not this build's, replaces
/// the process with the sibling binary (argv unchanged). Returns the start-up log
/// line when this build serves; throws std::runtime_error when the backend cannot
/// run here or the exec fails.
std::string enter_io_backend(io_backend configured, char** argv);

}  // namespace quikedge::server
