// A child process started by a test: fork/exec with its stdout and stderr captured
// through pipes, waits with deadlines, and stop by its own PID (SIGTERM, then SIGKILL).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace quikedge::test {

using test_clock = std::chrono::steady_clock;

/// Builds `now + timeout` for the wait functions below.
inline test_clock::time_point deadline_in(std::chrono::milliseconds timeout) {
  return test_clock::now() + timeout;
}

/// One child process. Destroying the object stops and reaps the child, so a test that
/// fails half-way leaves nothing running. Not copyable; every method is for the test thread
/// except the output accessors, which are thread-safe.
class child_process {
 public:
  struct options {
    std::vector<std::string> argv;  ///< argv[0] is the path of the executable
    std::vector<std::pair<std::string, std::string>> env;  ///< added to the test's environment
    bool forbid_io_uring = false;  ///< run it under a seccomp filter refusing io_uring_setup
  };

  /// Starts the child. Throws std::runtime_error if the pipes or fork fail; an exec
  /// failure shows up as exit status 127 and a message on the captured stderr.
  explicit child_process(options opts);
  explicit child_process(std::vector<std::string> argv)
      : child_process(options{std::move(argv), {}}) {}
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }

  /// True until the child has exited (it is reaped here when it has).
  bool is_running();

  /// Waits until a stdout line starting with `prefix` has been printed and returns that
  /// line (without the newline); nullopt at the deadline or once stdout is closed.
  std::optional<std::string> wait_for_line(std::string_view prefix,
                                           test_clock::time_point deadline);

  /// Waits for the child to exit on its own and reaps it. Returns the exit status
  /// (128+signal for a signal), or nullopt at the deadline.
  std::optional<int> wait_exit(test_clock::time_point deadline);

  /// SIGTERM, wait up to `grace`, then SIGKILL; reaps. Returns the exit status as above.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  /// Resident set size in KiB (VmRSS of /proc/PID/status); -1 if it cannot be read.
  [[nodiscard]] long rss_kib() const;

  /// Everything captured so far.
  [[nodiscard]] std::string stdout_text() const;
  [[nodiscard]] std::string stderr_text() const;

  /// Waits until both pipes are at end of file (the child and any inheritors are gone).
  bool wait_output_closed(test_clock::time_point deadline);

 private:
  void read_output();
  bool reap(int flags);

  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  int wake_fd_[2] = {-1, -1};  ///< lets the destructor end the reader thread

  mutable std::mutex mutex_;
  std::condition_variable output_changed_;
  std::string stdout_;
  std::string stderr_;
  bool output_closed_ = false;
  std::thread reader_;
};

/// The result of running a command to completion.
struct command_result {
  int exit_status = -1;  ///< -1: it did not finish in time (it was killed)
  std::string out;
  std::string err;
};

/// Runs argv to completion within `timeout`, killing it if it takes longer.
command_result run_command(std::vector<std::string> argv,
                           std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// Path of a binary in the build's bin/ directory.
std::string bin_path(std::string_view name);
/// Path below the repository root.
std::string source_path(std::string_view relative);

}  // namespace quikedge::test
