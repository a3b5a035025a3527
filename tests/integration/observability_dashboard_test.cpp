// GET / on the admin port: a self-contained page that, loaded in headless Chromium,
// shows the weights the admin API reports. Screenshots are kept under the build
// directory in tests/artifacts/ for people to look at.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "admin/auth.hpp"
#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr const char* chromium = "/usr/bin/chromium";
constexpr const char* token = "dashboard-test-token";

fs::path artifacts_dir() {
  fs::path dir = fs::path(QUIKEDGE_BIN_DIR).parent_path() / "tests" / "artifacts";
  fs::create_directories(dir);
  return dir;
}

/// Runs headless Chromium on `url` with a fresh profile; `mode` is --dump-dom or
/// --screenshot=PATH. Virtual time lets the page's timers run 5 s without waiting.
command_result run_chromium(const std::string& mode, const std::string& url) {
  const fs::path profile = make_temp_directory();
  auto result = run_command(
      {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
       "--disable-background-networking", "--disable-component-update", "--disable-sync",
       "--user-data-dir=" + profile.string(), "--window-size=1280,1000",
       "--virtual-time-budget=5000", mode, url},
      60s);
  std::error_code ignored;
  fs::remove_all(profile, ignored);
  return result;
}

/// Width and height from a PNG's IHDR chunk; {0, 0} if `path` is not a PNG.
std::pair<unsigned, unsigned> png_size(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  unsigned char head[24] = {};
  file.read(reinterpret_cast<char*>(head), sizeof head);
  static constexpr unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (!file || !std::equal(signature, signature + 8, head)) {
    return {0, 0};
  }
  auto be32 = [&](int at) {
    return (unsigned{head[at]} << 24) | (unsigned{head[at + 1]} << 16) |
           (unsigned{head[at + 2]} << 8) | unsigned{head[at + 3]};
  };
  return {be32(16), be32(20)};
}

class observability_dashboard : public two_stacks {
 protected:
  /// Starts blue and green with environment "live", optionally with a readonly token.
  void start_live(bool with_token) {
    ASSERT_TRUE(start_upstreams());
    proxy_config config;
    config.stacks = {{"blue", {blue_->address()}, 90}, {"green", {green_->address()}, 10}};
    std::string yaml = std::regex_replace(render_config(config), std::regex("environment: test"),
                                          "environment: live");
    if (with_token) {
      yaml = std::regex_replace(yaml, std::regex("admin:\n  address: \"127.0.0.1:0\"\n"),
                                "admin:\n  address: \"127.0.0.1:0\"\n  tokens:\n"
                                "    - { name: viewer, role: readonly, token_sha256: \"" +
                                    admin::sha256_hex(token) + "\" }\n");
    }
    ASSERT_TRUE(proxy.start(yaml));
  }

  std::string url() const { return proxy.admin_url() + "/"; }

  void send_some_traffic() {
    for (int i = 0; i < 20; ++i) {
      http_get(port(), "/");
    }
    http_get(port(), "/status/503", {{"X-QuikApp-Stack", "green"}});
  }

  void skip_without_chromium() {
    if (!fs::exists(chromium)) {
      GTEST_SKIP() << chromium << " is missing: install the Debian package `chromium` "
                   << "(scripts/install-deps.sh does not list it yet)";
    }
  }

  /// Takes a screenshot into tests/artifacts/`name` and checks it is a real page.
  void screenshot(const std::string& name) {
    const fs::path png = artifacts_dir() / name;
    fs::remove(png);
    auto result = run_chromium("--screenshot=" + png.string(), url());
    ASSERT_EQ(result.exit_status, 0) << result.err;
    EXPECT_EQ(png_size(png), std::make_pair(1280u, 1000u)) << png;
    // A blank or error page compresses to a few KiB; the dashboard is far larger.
    EXPECT_GT(fs::file_size(png), 30'000u) << png;
    std::cout << "dashboard screenshot: " << png.string() << "\n";
  }
};

TEST_F(observability_dashboard, page_is_self_contained_html) {
  start_live(false);
  auto response = http_get(proxy.admin_port(), "/");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(response.header("Content-Security-Policy").find("default-src 'none'"),
            std::string::npos);
  EXPECT_NE(response.body.find("/api/v1/state"), std::string::npos);
  EXPECT_NE(response.body.find("/metrics"), std::string::npos);
  // No external assets: the only absolute URL is the SVG namespace name.
  std::string rest =
      std::regex_replace(response.body, std::regex("http://www\\.w3\\.org/2000/svg"), "");
  EXPECT_EQ(rest.find("http://"), std::string::npos);
  EXPECT_EQ(rest.find("https://"), std::string::npos);
  EXPECT_EQ(rest.find("//cdn"), std::string::npos);
}

TEST_F(observability_dashboard, chromium_shows_the_weights_the_api_reports) {
  skip_without_chromium();
  start_live(false);
  // Weights no config holds, so the page can only have them from the API.
  ASSERT_EQ(proxy.set_weights({{"blue", 73}, {"green", 27}}).status, 200);
  send_some_traffic();
  auto state = proxy.state();
  ASSERT_TRUE(state.is_object());
  const auto version = state.at("version").as_int64();

  auto result = run_chromium("--dump-dom", url());
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const std::string& dom = result.out;
  EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the page never rendered:\n" << dom;
  EXPECT_NE(dom.find("data-stack=\"blue\" data-weight=\"73\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("data-stack=\"green\" data-weight=\"27\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("blue 73.0%"), std::string::npos) << "traffic split bar";
  EXPECT_NE(dom.find("version " + std::to_string(version)), std::string::npos);
  EXPECT_NE(dom.find(blue().address()), std::string::npos) << "endpoint list";
  EXPECT_NE(dom.find("healthy"), std::string::npos);
  EXPECT_NE(dom.find("data-state=\"idle\""), std::string::npos) << "rollout panel";
  EXPECT_EQ(dom.find("class=\"banner\">"), std::string::npos) << "no error banner shown";

  // Traffic (some 5xx on green) while the screenshot is taken, so the artifact
  // shows rates. Virtual time runs faster than the clock: the numbers are low.
  std::atomic<bool> done{false};
  std::thread traffic([&] {
    const auto deadline = deadline_in(60s);
    while (!done.load() && test_clock::now() < deadline) {
      http_get(port(), "/delay/5", {}, 2s);
      http_get(port(), "/status/503", {{"X-QuikApp-Stack", "green"}}, 2s);
    }
  });
  screenshot("dashboard.png");
  done = true;
  traffic.join();
}

// With tokens and none stored, the page asks for one and still shows the
// weights and health that /metrics gives without a token.
TEST_F(observability_dashboard, without_a_token_it_asks_for_one_and_falls_back_to_metrics) {
  skip_without_chromium();
  start_live(true);
  ASSERT_EQ(http_get(proxy.admin_port(), "/api/v1/state").status, 401);
  auto result = run_chromium("--dump-dom", url());
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const std::string& dom = result.out;
  std::smatch auth;
  ASSERT_TRUE(std::regex_search(dom, auth, std::regex("<section id=\"auth\"[^>]*>"))) << dom;
  EXPECT_EQ(auth.str().find("hidden"), std::string::npos) << "token form shown: " << auth.str();
  EXPECT_NE(dom.find("data-stack=\"blue\" data-weight=\"90\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("data-stack=\"green\" data-weight=\"10\""), std::string::npos) << dom;
  screenshot("dashboard-token.png");
}

}  // namespace
}  // namespace quikedge::test
