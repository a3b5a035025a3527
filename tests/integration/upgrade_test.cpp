// Binary upgrade with real binaries: a second quikedge on the same config
// takes over every listening socket (each old worker's SO_REUSEPORT acceptor and the
// admin one) and the live weights; the old one drains and exits 0 by itself.
// Also: WebSockets closed with 1001 over timeouts.shutdown_drain, a stale upgrade
// socket file, SIGTERM alone, and a different worker count.
#include <gtest/gtest.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "support/bench_report.hpp"
#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

const std::string python = "/usr/bin/python3";

proxy_config upgrade_config(int workers, const std::string& drain = "3s") {
  proxy_config config;
  config.workers = workers;
  config.top_level_extra = "timeouts: { shutdown_drain: " + drain + " }\n";
  return config;
}

std::int64_t number(const boost::json::value& object, std::string_view key) {
  const auto* value = object.is_object() ? object.as_object().if_contains(key) : nullptr;
  return value != nullptr && value->is_number() ? value->to_number<std::int64_t>() : -1;
}

/// Inodes of the TCP sockets listening on 127.0.0.1:`port` (from /proc/net/tcp).
std::set<std::string> listening_inodes(std::uint16_t port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // header
  std::set<std::string> inodes;
  char wanted[16];
  std::snprintf(wanted, sizeof wanted, ":%04X", port);
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    if (state == "0A" && local.ends_with(wanted)) {
      inodes.insert(inode);
    }
  }
  return inodes;
}

/// Socket inodes among the open descriptors of `pid`.
std::set<std::string> socket_inodes_of(pid_t pid) {
  std::set<std::string> inodes;
  const std::string folder = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    auto target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (!ec && target.starts_with("socket:[")) {
      inodes.insert(target.substr(8, target.size() - 9));
    }
  }
  return inodes;
}

/// The last stdout line of a ws_client.py run that starts with {"event": "<event>".
std::optional<boost::json::value> event_line(const std::string& out, const std::string& event) {
  const std::string prefix = "{\"event\": \"" + event + "\"";
  std::optional<boost::json::value> found;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    boost::system::error_code ec;
    if (line.starts_with(prefix)) {
      auto value = boost::json::parse(line, ec);
      if (!ec) {
        found = value;
      }
    }
  }
  return found;
}

/// The AF_UNIX address of `path`.
sockaddr_un unix_address(const std::string& path) {
  sockaddr_un where{};
  where.sun_family = AF_UNIX;
  std::memcpy(where.sun_path, path.data(), path.size());
  return where;
}

/// A SOCK_SEQPACKET socket listening on `path`, as a running proxy holds its hand-over
/// socket; -1 (errno set) when it cannot be made.
int listen_at(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  const sockaddr_un where = unix_address(path);
  if (fd >= 0 && (::bind(fd, reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0 ||
                  ::listen(fd, 1) != 0)) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

class upgrade : public two_stacks {
 protected:
  /// Starts the successor on the running proxy's config file; checks that it prints
  /// the same listener and admin ports.
  testing::AssertionResult start_successor() {
    if (auto started = successor.start_on(proxy.config_path()); !started) {
      return started;
    }
    if (successor.http_port() != proxy.http_port() ||
        successor.admin_port() != proxy.admin_port()) {
      return testing::AssertionFailure()
             << "ports differ: old " << proxy.http_port() << "/" << proxy.admin_port() << ", new "
             << successor.http_port() << "/" << successor.admin_port();
    }
    return testing::AssertionSuccess();
  }

  /// Waits for the old process to exit on its own; its exit status.
  std::optional<int> old_exit(std::chrono::milliseconds timeout) {
    return proxy.process().wait_exit(deadline_in(timeout));
  }

  proxy_process successor;  // declared after `proxy`: stops first
};

TEST_F(upgrade, under_load_no_request_fails_and_the_old_process_exits_0_by_itself) {
  ASSERT_TRUE(start(50, 50, upgrade_config(2)));
  const auto old_inodes = listening_inodes(port());
  ASSERT_EQ(old_inodes.size(), 2U) << "one SO_REUSEPORT socket per old worker";
  child_process bench({bin_path("quikedge-bench"), "--url",
                       "http://127.0.0.1:" + std::to_string(port()) + "/", "--connections", "8",
                       "--duration", "60", "--timeout", "5", "--json"});
  // A few seconds of keep-alive load on each side of the hand-over.
  const auto load_started = test_clock::now();
  ASSERT_TRUE(eventually(
      [&] {
        return test_clock::now() - load_started >= 2s &&
               proxy.metric("http_requests_total", {}) >= 5000;
      },
      30s, "load on the old process"));
  const double old_requests_before = proxy.metric("http_requests_total", {});
  const auto upgrade_started = test_clock::now();
  ASSERT_TRUE(start_successor());
  const auto old_status = old_exit(20s);
  const auto old_gone_after =
      std::chrono::duration_cast<std::chrono::milliseconds>(test_clock::now() - upgrade_started);
  ASSERT_EQ(old_status, std::optional<int>(0)) << proxy.process().stderr_text();
  EXPECT_NE(proxy.process().stdout_text().find("quikedge: handed over to pid " +
                                               std::to_string(successor.process().pid())),
            std::string::npos)
      << proxy.process().stdout_text();
  // The new process serves the load on the same port, and answers the admin port.
  ASSERT_TRUE(eventually(
      [&] {
        return test_clock::now() - upgrade_started >= 2s &&
               successor.metric("http_requests_total", {}) >= 5000;
      },
      30s, "load on the new process"));
  EXPECT_EQ(number(successor.state(), "pid"), successor.process().pid());
  EXPECT_EQ(listening_inodes(port()), old_inodes) << "the very sockets of the old process";
  const auto report = stop_bench_for_report(bench);
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(number(report.at("errors"), "total"), 0) << bench.stdout_text();
  EXPECT_EQ(number(report, "non_success"), 0) << bench.stdout_text();
  EXPECT_GT(number(report, "requests"), 10000) << bench.stdout_text();
  std::cout << "[ upgrade  ] bench: " << number(report, "requests") << " requests, "
            << number(report.at("errors"), "total") << " errors, " << number(report, "non_success")
            << " non-2xx, " << number(report, "reconnects")
            << " reconnects; old process had served " << old_requests_before
            << " before the upgrade and exited " << old_gone_after.count()
            << " ms after the successor started" << std::endl;
}

TEST_F(upgrade, weights_set_through_the_admin_api_survive_it) {
  ASSERT_TRUE(start(50, 50, upgrade_config(2)));
  ASSERT_EQ(proxy.set_weights({{"blue", 90}, {"green", 10}}).status, 200);
  const auto before = proxy.state();
  ASSERT_TRUE(start_successor());
  ASSERT_EQ(old_exit(20s), std::optional<int>(0)) << proxy.process().stderr_text();
  auto after = successor.state();
  EXPECT_EQ(after.at("weights"), before.at("weights")) << after;
  EXPECT_EQ(after.at("version"), before.at("version")) << after;
  EXPECT_EQ(after.at("changed_by"), before.at("changed_by")) << after;
  EXPECT_EQ(after.at("changed_at"), before.at("changed_at")) << after;
  const auto seen = split(200, true);
  EXPECT_EQ(seen.at("blue"), 180) << "exact 90/10 over 200 requests";
}

TEST_F(upgrade, a_running_rollout_with_a_state_file_goes_on_in_the_new_process) {
  proxy_config config = upgrade_config(2);
  config.top_level_extra +=
      "rollout:\n"
      "  steps: [ { weight: 10, pause: 30s }, { weight: 50, pause: 30s }, { weight: 100 } ]\n"
      "  gates: { window: 2s, min_requests: 20, max_error_rate: 0.001, max_p99_latency: 1s }\n"
      "  state_file: rollout.json\n";
  ASSERT_TRUE(start(100, 0, config));
  auto begun = proxy.admin("POST", "/api/v1/rollout", R"({"to":"green"})");
  ASSERT_EQ(begun.status, 200) << begun.body;
  ASSERT_TRUE(start_successor());
  ASSERT_EQ(old_exit(20s), std::optional<int>(0)) << proxy.process().stderr_text();
  auto rollout = successor.admin("GET", "/api/v1/rollout");
  ASSERT_EQ(rollout.status, 200) << rollout.body;
  auto doc = boost::json::parse(rollout.body);
  EXPECT_EQ(doc.at("state"), "progressing") << rollout.body;
  EXPECT_EQ(number(doc, "weight"), 10) << rollout.body;
  EXPECT_EQ(number(successor.state().at("weights"), "green"), 10);
}

TEST_F(upgrade, an_open_websocket_gets_1001_within_the_drain_and_new_ones_work) {
  ASSERT_TRUE(start(50, 50, upgrade_config(2, "2s")));
  const std::string url = "ws://127.0.0.1:" + std::to_string(port()) + "/ws";
  child_process held({python, source_path("tests/integration/ws_client.py"), "hold", "--url", url,
                      "--count", "4", "--interval-ms", "50", "--timeout", "20",
                      "--exit-when-all-closed"});
  ASSERT_TRUE(held.wait_for_line("{\"event\": \"ready\"", deadline_in(20s)))
      << held.stdout_text() << held.stderr_text();
  const auto upgrade_started = test_clock::now();
  ASSERT_TRUE(start_successor());
  ASSERT_EQ(held.wait_exit(deadline_in(30s)), std::optional<int>(0)) << held.stderr_text();
  held.wait_output_closed(deadline_in(5s));
  auto result = event_line(held.stdout_text(), "result");
  ASSERT_TRUE(result) << held.stdout_text();
  const auto& closed = result->at("closed").as_array();
  ASSERT_EQ(closed.size(), 4U) << *result;
  const double started_at =
      std::chrono::duration<double>(upgrade_started.time_since_epoch()).count();
  for (const auto& entry : closed) {
    EXPECT_EQ(number(entry, "code"), 1001) << *result;
    EXPECT_LE(entry.at("t").to_number<double>(), started_at + 2.0 + 5.0)
        << "closed within shutdown_drain of the hand-over (plus the successor's start-up)";
  }
  ASSERT_EQ(old_exit(10s), std::optional<int>(0)) << proxy.process().stderr_text();
  auto echo = run_command({python, source_path("tests/integration/ws_client.py"), "echo", "--url",
                           url, "--timeout", "10"});
  EXPECT_EQ(echo.exit_status, 0) << echo.out << echo.err;
  auto echoed = event_line(echo.out, "result");
  ASSERT_TRUE(echoed) << echo.out << echo.err;
  EXPECT_TRUE(echoed->at("ok").as_bool()) << echo.out;
}

TEST_F(upgrade, a_stale_socket_file_does_not_block_a_fresh_start) {
  // What a crash leaves: a socket file with no process behind it.
  const auto stale = (proxy.directory() / "quikedge.yaml.sock").string();
  const int fd = listen_at(stale);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ::close(fd);
  ASSERT_TRUE(std::filesystem::exists(stale));
  ASSERT_TRUE(start(50, 50, upgrade_config(2)));
  EXPECT_EQ(split(20, true).at("blue"), 10);
  // And the fresh process listens on it for the next upgrade.
  ASSERT_TRUE(start_successor());
  EXPECT_EQ(old_exit(20s), std::optional<int>(0)) << proxy.process().stderr_text();
}

TEST_F(upgrade, a_predecessor_dying_mid_hand_over_leaves_the_new_process_to_bind_itself) {
  // A "running process" that takes the hello and dies before sending any socket.
  const auto path = (proxy.directory() / "quikedge.yaml.sock").string();
  const int listener = listen_at(path);
  ASSERT_GE(listener, 0) << std::strerror(errno);
  std::thread dying([listener] {
    pollfd ready{listener, POLLIN, 0};
    if (::poll(&ready, 1, 20000) == 1) {
      const int peer = ::accept(listener, nullptr, nullptr);
      char hello[256];
      ::recv(peer, hello, sizeof hello, 0);
      ::close(peer);
    }
    ::close(listener);
  });
  auto started = start(50, 50, upgrade_config(2));
  dying.join();
  ASSERT_TRUE(started);
  EXPECT_NE(proxy.process().stderr_text().find("binding the listeners anew"), std::string::npos)
      << proxy.process().stderr_text();
  EXPECT_EQ(split(20, true).at("blue"), 10);
}

TEST_F(upgrade, sigterm_alone_drains_websockets_with_1001_and_exits_0) {
  ASSERT_TRUE(start(50, 50, upgrade_config(2, "2s")));
  child_process held({python, source_path("tests/integration/ws_client.py"), "hold", "--url",
                      "ws://127.0.0.1:" + std::to_string(port()) + "/ws", "--count", "4",
                      "--interval-ms", "50", "--timeout", "20", "--exit-when-all-closed"});
  ASSERT_TRUE(held.wait_for_line("{\"event\": \"ready\"", deadline_in(20s)))
      << held.stdout_text() << held.stderr_text();
  const auto started = test_clock::now();
  EXPECT_EQ(proxy.stop(10s), 0) << proxy.process().stderr_text();
  const auto took = test_clock::now() - started;
  EXPECT_LT(took, 4s) << "drain of 2 s plus the close handshakes";
  ASSERT_EQ(held.wait_exit(deadline_in(10s)), std::optional<int>(0)) << held.stderr_text();
  held.wait_output_closed(deadline_in(5s));
  auto result = event_line(held.stdout_text(), "result");
  ASSERT_TRUE(result) << held.stdout_text();
  for (const auto& entry : result->at("closed").as_array()) {
    EXPECT_EQ(number(entry, "code"), 1001) << *result;
  }
  EXPECT_EQ(result->at("closed").as_array().size(), 4U) << *result;
  EXPECT_FALSE(std::filesystem::exists(proxy.config_path().string() + ".sock"))
      << "a process that exits on its own removes its upgrade socket";
}

TEST_F(upgrade, a_successor_with_fewer_workers_accepts_on_every_old_socket) {
  ASSERT_TRUE(start(50, 50, upgrade_config(3)));
  const auto old_inodes = listening_inodes(port());
  ASSERT_EQ(old_inodes.size(), 3U);
  // The successor reads the same file, edited to one worker (weights unchanged).
  {
    std::ifstream in(proxy.config_path());
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    yaml.replace(yaml.find("workers: 3"), 10, "workers: 1");
    std::ofstream(proxy.config_path()) << yaml;
  }
  ASSERT_TRUE(start_successor());
  EXPECT_NE(successor.process().stdout_text().find("quikedge: took over 4 listening sockets"),
            std::string::npos)
      << successor.process().stdout_text();
  ASSERT_EQ(old_exit(20s), std::optional<int>(0)) << proxy.process().stderr_text();
  EXPECT_EQ(listening_inodes(port()), old_inodes) << "none closed, none bound anew";
  const auto held_by_new = socket_inodes_of(successor.process().pid());
  for (const auto& inode : old_inodes) {
    EXPECT_TRUE(held_by_new.count(inode)) << "old socket " << inode << " not held by the new";
  }
  // Every one of them is accepted on: 60 fresh connections spread over all three queues.
  EXPECT_EQ(split(60, false).at("blue"), 30);
}

/// In a forked child: connect to `path` as uid/gid 65534 and report how the
/// proxy answers. 0: closed without a word; other codes name the failure.
int connect_as_nobody(const std::string& path) {
  if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
    return 10;
  }
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  const sockaddr_un where = unix_address(path);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0) {
    return 11;
  }
  ::send(fd, "hello", 5, MSG_NOSIGNAL);
  pollfd readable{fd, POLLIN, 0};
  if (::poll(&readable, 1, 5000) != 1) {
    return 12;  // kept open: the proxy is talking to a stranger
  }
  char byte = 0;
  return ::recv(fd, &byte, 1, 0) <= 0 ? 0 : 13;
}

TEST_F(upgrade, only_the_same_user_may_take_the_sockets_over) {
  ASSERT_TRUE(start(50, 50, upgrade_config(2)));
  const auto path = (proxy.directory() / "quikedge.yaml.sock").string();
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0077, 0U) << "the upgrade socket must be owner-only";
  if (::geteuid() != 0) {
    GTEST_SKIP() << "acting as another user needs root";
  }
  // With the file (and its folder) opened up, the peer-credential check is what is left.
  ASSERT_EQ(::chmod(proxy.directory().c_str(), 0711), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::_exit(connect_as_nobody(path));
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 setuid, 11 connect, 12 not closed, 13 answered";
  // Refused for who it is, not for what it sent.
  EXPECT_TRUE(eventually(
      [&] {
        return proxy.process().stderr_text().find("refused a connection from peer pid") !=
               std::string::npos;
      },
      5s))
      << proxy.process().stderr_text();
  EXPECT_EQ(split(20, true).at("blue"), 10) << "the stranger must change nothing";
  EXPECT_FALSE(old_exit(100ms).has_value());
}

}  // namespace
}  // namespace quikedge::test
