// io_backend: each backend serves through the real binaries, `auto` and the
// QUIKEDGE_IO_BACKEND override pick the one the state then names, the switch to
// the io_uring build keeps the PID the test started, and every way it cannot run
// is a clear error at start or a refused reload.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include "support/child_process.hpp"
#include "support/proxy_process.hpp"
#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

/// The io_uring build next to the proxy under test (absent beside the sanitizer
/// builds, which are epoll only).
bool io_uring_build_present() {
  const auto proxy = std::filesystem::path(bin_path("quikedge"));
  return std::filesystem::exists(proxy.parent_path() / "quikedge-io_uring");
}

/// An empty QUIKEDGE_IO_BACKEND: the test, not the suite's pass, picks the backend.
const std::vector<std::pair<std::string, std::string>> no_override = {{"QUIKEDGE_IO_BACKEND", ""}};

class io_backend_test : public two_stacks {
 protected:
  std::string config_with(const std::string& backend) {
    proxy_config config;
    config.stacks = {{"blue", {blue().address()}, 100}, {"green", {green().address()}, 0}};
    if (!backend.empty()) {
      config.top_level_extra = "io_backend: " + backend + "\n";
    }
    return render_config(config);
  }

  /// Starts the proxy with `backend` in its config and `env`, then checks that it
  /// runs `expected`, under the PID the test started, and routes.
  void expect_serves_on(const std::string& backend,
                        const std::vector<std::pair<std::string, std::string>>& env,
                        const std::string& expected) {
    ASSERT_TRUE(proxy.start(config_with(backend), env));
    auto state = proxy.state();
    ASSERT_TRUE(state.is_object());
    EXPECT_EQ(state.at("io_backend").as_string(), expected);
    EXPECT_EQ(state.at("pid").as_int64(), proxy.process().pid())
        << "the switch to the other build must keep the process the caller started";
    EXPECT_NE(proxy.process().stdout_text().find("quikedge: io_backend " + expected),
              std::string::npos)
        << proxy.process().stdout_text();
    auto seen = split(200, true);
    EXPECT_EQ(seen["blue"], 200) << "the split on " << expected << " is wrong";
  }
};

TEST_F(io_backend_test, epoll_serves_and_the_state_names_it) {
  ASSERT_TRUE(start_upstreams());
  expect_serves_on("epoll", no_override, "epoll");
}

TEST_F(io_backend_test, io_uring_serves_and_the_state_names_it) {
  if (!io_uring_build_present()) {
    GTEST_SKIP() << "no quikedge-io_uring beside " << bin_path("quikedge");
  }
  ASSERT_TRUE(start_upstreams());
  expect_serves_on("io_uring", no_override, "io_uring");
}

TEST_F(io_backend_test, auto_picks_io_uring_where_its_build_is_installed) {
  ASSERT_TRUE(start_upstreams());
  expect_serves_on("", no_override, io_uring_build_present() ? "io_uring" : "epoll");
}

TEST_F(io_backend_test, the_environment_overrides_the_config) {
  ASSERT_TRUE(start_upstreams());
  expect_serves_on("io_uring", {{"QUIKEDGE_IO_BACKEND", "epoll"}}, "epoll");
}

TEST_F(io_backend_test, a_reload_cannot_change_the_backend) {
  ASSERT_TRUE(start_upstreams());
  ASSERT_TRUE(proxy.start(config_with("epoll"), no_override));
  {
    std::ofstream rewrite(proxy.config_path(), std::ios::trunc);
    rewrite << config_with("io_uring");
  }
  auto refused = proxy.admin("POST", "/api/v1/reload");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("io_backend cannot change on reload"), std::string::npos)
      << refused.body;
  EXPECT_EQ(proxy.state().at("io_backend").as_string(), "epoll");
}

/// Runs a copy of the proxy binary alone in a directory (no io_uring build beside
/// it) on `backend`, with `env`.
struct lonely_proxy {
  std::filesystem::path directory = make_temp_directory();
  std::filesystem::path binary = directory / "quikedge";
  std::filesystem::path config = directory / "quikedge.yaml";

  explicit lonely_proxy(const std::string& yaml) {
    std::filesystem::copy_file(bin_path("quikedge"), binary);
    std::ofstream(config) << yaml;
  }
  ~lonely_proxy() {
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }
};

TEST_F(io_backend_test, forced_io_uring_without_its_build_refuses_to_start) {
  ASSERT_TRUE(start_upstreams());
  lonely_proxy lonely(config_with("io_uring"));
  child_process child({{lonely.binary.string(), "--config", lonely.config.string()}, no_override});
  auto status = child.wait_exit(deadline_in(std::chrono::seconds(20)));
  ASSERT_TRUE(status.has_value()) << "it must exit, not serve on another backend";
  EXPECT_EQ(*status, 1);
  ASSERT_TRUE(child.wait_output_closed(deadline_in(std::chrono::seconds(5))));
  EXPECT_NE(child.stderr_text().find("quikedge-io_uring"), std::string::npos)
      << child.stderr_text();
}

TEST_F(io_backend_test, auto_without_the_io_uring_build_runs_epoll_and_says_why) {
  ASSERT_TRUE(start_upstreams());
  lonely_proxy lonely(config_with(""));
  child_process child({{lonely.binary.string(), "--config", lonely.config.string()}, no_override});
  auto line = child.wait_for_line("quikedge: io_backend", deadline_in(std::chrono::seconds(20)));
  ASSERT_TRUE(line.has_value()) << child.stderr_text();
  EXPECT_NE(line->find("io_backend epoll (auto: "), std::string::npos) << *line;
  EXPECT_TRUE(child.wait_for_line("quikedge: ready", deadline_in(std::chrono::seconds(20))))
      << child.stderr_text();
  child.stop();
}

/// The proxy under test, started by the test under a seccomp filter that refuses
/// io_uring_setup (as a container's default profile may), with the io_uring build
/// installed beside it.
child_process::options forbidden_io_uring(const std::filesystem::path& config) {
  child_process::options opts{{bin_path("quikedge"), "--config", config.string()}, no_override};
  opts.forbid_io_uring = true;
  return opts;
}

TEST_F(io_backend_test, auto_where_seccomp_forbids_io_uring_runs_epoll_and_says_why) {
  if (!io_uring_build_present()) {
    GTEST_SKIP() << "no quikedge-io_uring beside " << bin_path("quikedge");
  }
  ASSERT_TRUE(start_upstreams());
  const auto directory = make_temp_directory();
  std::ofstream(directory / "quikedge.yaml") << config_with("");
  child_process child(forbidden_io_uring(directory / "quikedge.yaml"));
  auto line = child.wait_for_line("quikedge: io_backend", deadline_in(std::chrono::seconds(20)));
  ASSERT_TRUE(line.has_value()) << child.stderr_text();
  EXPECT_NE(line->find("io_backend epoll (auto: io_uring_setup failed: Operation not permitted)"),
            std::string::npos)
      << *line;
  EXPECT_TRUE(child.wait_for_line("quikedge: ready", deadline_in(std::chrono::seconds(20))))
      << child.stderr_text();
  child.stop();
  std::filesystem::remove_all(directory);
}

TEST_F(io_backend_test, forced_io_uring_where_seccomp_forbids_it_refuses_to_start) {
  ASSERT_TRUE(start_upstreams());
  const auto directory = make_temp_directory();
  std::ofstream(directory / "quikedge.yaml") << config_with("io_uring");
  child_process child(forbidden_io_uring(directory / "quikedge.yaml"));
  auto status = child.wait_exit(deadline_in(std::chrono::seconds(20)));
  ASSERT_TRUE(status.has_value()) << "it must exit, not fall back silently";
  EXPECT_EQ(*status, 1);
  ASSERT_TRUE(child.wait_output_closed(deadline_in(std::chrono::seconds(5))));
  EXPECT_NE(child.stderr_text().find("io_backend: io_uring cannot run here"), std::string::npos)
      << child.stderr_text();
  std::filesystem::remove_all(directory);
}

TEST_F(io_backend_test, an_unknown_override_is_a_clear_error) {
  ASSERT_TRUE(start_upstreams());
  lonely_proxy lonely(config_with(""));
  child_process child({{lonely.binary.string(), "--config", lonely.config.string()},
                       {{"QUIKEDGE_IO_BACKEND", "kqueue"}}});
  auto status = child.wait_exit(deadline_in(std::chrono::seconds(20)));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 1);
  ASSERT_TRUE(child.wait_output_closed(deadline_in(std::chrono::seconds(5))));
  EXPECT_NE(child.stderr_text().find("must be one of auto, epoll, io_uring"), std::string::npos)
      << child.stderr_text();
}

}  // namespace
}  // namespace quikedge::test
