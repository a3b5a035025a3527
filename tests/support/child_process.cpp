// fork/exec of test children, output capture on a reader thread, and bounded waits.
#include "support/child_process.hpp"
#include "support/seccomp_filter.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace quikedge::test {
namespace {

int remaining_ms(test_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - test_clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
}

/// argv/envp as the NULL-terminated arrays execve wants. Built before fork: the child
/// may only make async-signal-safe calls.
struct exec_arrays {
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

exec_arrays make_exec_arrays(std::vector<std::string>& args,
                             const std::vector<std::pair<std::string, std::string>>& extra_env) {
  exec_arrays arrays;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    const bool replaced = std::any_of(extra_env.begin(), extra_env.end(), [&](const auto& kv) {
      return entry.starts_with(kv.first + "=");
    });
    if (!replaced) {
      arrays.env_storage.emplace_back(entry);
    }
  }
  for (const auto& [key, value] : extra_env) {
    arrays.env_storage.push_back(key + "=" + value);
  }
  for (auto& arg : args) {
    arrays.argv.push_back(arg.data());
  }
  arrays.argv.push_back(nullptr);
  for (auto& entry : arrays.env_storage) {
    arrays.envp.push_back(entry.data());
  }
  arrays.envp.push_back(nullptr);
  return arrays;
}

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

int decode_status(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

}  // namespace

child_process::child_process(options opts) {
  if (opts.argv.empty()) {
    throw std::runtime_error("child_process: empty argv");
  }
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      ::pipe2(wake_fd_, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("child_process: pipe2: ") + std::strerror(errno));
  }
  exec_arrays arrays = make_exec_arrays(opts.argv, opts.env);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    throw std::runtime_error(std::string("child_process: fork: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    // Child: async-signal-safe calls only. Die with the test process, whatever kills it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    // Sockets and pipes of the test (and of other children) must not leak in: a
    // leaked client socket would keep a connection open after the test closed it.
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    if (opts.forbid_io_uring && !forbid_io_uring_setup()) {
      static constexpr char refused[] = "child_process: the seccomp filter was refused\n";
      [[maybe_unused]] auto ignored = ::write(2, refused, sizeof refused - 1);
      ::_exit(127);
    }
    ::execve(arrays.argv[0], arrays.argv.data(), arrays.envp.data());
    static constexpr char message[] = "child_process: execve failed\n";
    [[maybe_unused]] auto ignored = ::write(2, message, sizeof message - 1);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  reader_ = std::thread([this] { read_output(); });
}

child_process::~child_process() {
  stop();
  if (wake_fd_[1] >= 0) {
    [[maybe_unused]] auto ignored = ::write(wake_fd_[1], "x", 1);
  }
  if (reader_.joinable()) {
    reader_.join();
  }
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
  close_fd(wake_fd_[0]);
  close_fd(wake_fd_[1]);
}

void child_process::read_output() {
  bool out_open = true;
  bool err_open = true;
  char buffer[16384];
  while (out_open || err_open) {
    pollfd fds[3] = {{out_open ? stdout_fd_ : -1, POLLIN, 0},
                     {err_open ? stderr_fd_ : -1, POLLIN, 0},
                     {wake_fd_[0], POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (fds[2].revents != 0) {
      break;  // the owner is going away
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      std::lock_guard lock(mutex_);
      if (n > 0) {
        (i == 0 ? stdout_ : stderr_).append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        (i == 0 ? out_open : err_open) = false;
      }
    }
    output_changed_.notify_all();
  }
  std::lock_guard lock(mutex_);
  output_closed_ = true;
  output_changed_.notify_all();
}

bool child_process::reap(int flags) {
  if (exit_status_) {
    return true;
  }
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, flags);
  if (r == pid_) {
    exit_status_ = decode_status(status);
    return true;
  }
  if (r < 0 && errno == ECHILD) {
    exit_status_ = -1;
    return true;
  }
  return false;
}

bool child_process::is_running() {
  return !reap(WNOHANG);
}

std::optional<std::string> child_process::wait_for_line(std::string_view prefix,
                                                        test_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  for (;;) {
    std::size_t start = 0;
    for (std::size_t end; (end = stdout_.find('\n', start)) != std::string::npos; start = end + 1) {
      std::string_view line(stdout_.data() + start, end - start);
      if (line.starts_with(prefix)) {
        return std::string(line);
      }
    }
    if (output_closed_ || output_changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      return std::nullopt;
    }
  }
}

bool child_process::wait_output_closed(test_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return output_changed_.wait_until(lock, deadline, [this] { return output_closed_; });
}

std::optional<int> child_process::wait_exit(test_clock::time_point deadline) {
  // A pidfd becomes readable when the child exits: no polling with sleeps.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  for (int round = 0; round < 100'000 && !reap(WNOHANG); ++round) {
    const int wait_ms = remaining_ms(deadline);
    if (wait_ms == 0) {
      break;
    }
    if (pidfd >= 0) {
      pollfd fd{pidfd, POLLIN, 0};
      ::poll(&fd, 1, wait_ms);
    } else {
      ::usleep(2000);  // old kernel without pidfd: short bounded polls
    }
  }
  if (pidfd >= 0) {
    ::close(pidfd);
  }
  return exit_status_;
}

int child_process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) {
    return -1;
  }
  if (!reap(WNOHANG)) {
    ::kill(pid_, SIGTERM);
    if (!wait_exit(deadline_in(grace))) {
      ::kill(pid_, SIGKILL);
      wait_exit(deadline_in(std::chrono::seconds(10)));
    }
  }
  return exit_status_.value_or(-1);
}

long child_process::rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::strtol(line.c_str() + 6, nullptr, 10);
    }
  }
  return -1;
}

std::string child_process::stdout_text() const {
  std::lock_guard lock(mutex_);
  return stdout_;
}

std::string child_process::stderr_text() const {
  std::lock_guard lock(mutex_);
  return stderr_;
}

command_result run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  child_process child(std::move(argv));
  command_result result;
  if (auto status = child.wait_exit(deadline_in(timeout))) {
    result.exit_status = *status;
  } else {
    child.stop(std::chrono::milliseconds(500));
  }
  child.wait_output_closed(deadline_in(std::chrono::seconds(2)));
  result.out = child.stdout_text();
  result.err = child.stderr_text();
  return result;
}

std::string bin_path(std::string_view name) {
  // `make test-tsan` runs these tests against a ThreadSanitizer build of the
  // proxy alone; the test tools stay the Release ones.
  if (name == "quikedge") {
    if (const char* proxy = std::getenv("QUIKEDGE_TEST_PROXY"); proxy != nullptr && *proxy != 0) {
      return proxy;
    }
  }
  return std::string(QUIKEDGE_BIN_DIR) + "/" + std::string(name);
}

std::string source_path(std::string_view relative) {
  return std::string(QUIKEDGE_SOURCE_DIR) + "/" + std::string(relative);
}

}  // namespace quikedge::test
