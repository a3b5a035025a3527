// A seccomp filter for child processes that makes io_uring_setup fail with EPERM,
// as a container runtime's default profile does: the real way to check that the
// proxy falls back to epoll where io_uring is forbidden.
#pragma once

namespace quikedge::test {

/// Installs the filter on the calling process (inherited across execve). Only
/// async-signal-safe calls: it runs in a forked child. False if the kernel refused.
bool forbid_io_uring_setup();

}  // namespace quikedge::test
