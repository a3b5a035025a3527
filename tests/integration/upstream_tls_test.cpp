// TLS from the proxy to a stack's endpoints (`stacks.NAME.tls`). The TLS
// upstream is a second quikedge terminating TLS (certificate from a test CA,
// made by the openssl CLI) in front of a plain quikedge-upstream: its TLS
// metrics count the handshakes the proxy under test made. Verified requests
// pass; a wrong CA or name is a 502 unless verify is off; upstream connections
// are kept alive and resumed; WebSockets and health checks run over TLS.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "support/child_process.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/test_certificates.hpp"
#include "support/upstream_process.hpp"
#include "support/ws_frames.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* upstream_name = "up.quikapp.test";

class upstream_tls : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_dir_ = make_temp_directory();
    std::filesystem::create_directories(certs_dir_ / "ca");
    std::filesystem::create_directories(certs_dir_ / "other");
    ca_ = std::make_unique<test_ca>(certs_dir_ / "ca");
    other_ca_ = std::make_unique<test_ca>(certs_dir_ / "other");
    ASSERT_TRUE(blue_.start());
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(certs_dir_, ignored);
  }

  /// The TLS upstream: quikedge terminating TLS for up.quikapp.test, proxying
  /// to blue. `top_level`: more of its config (e.g. timeouts).
  void start_front(const std::string& top_level = "") {
    auto pair = ca_->issue("up", std::string("/CN=") + upstream_name, {upstream_name});
    proxy_config config;
    config.workers = 1;
    config.listener_extra = "    tls: { certificate: \"" + pair.certificate.string() +
                            "\", private_key: \"" + pair.private_key.string() + "\" }\n";
    config.stacks = {{"blue", {blue_.address()}, 100}};
    config.top_level_extra = top_level;
    ASSERT_TRUE(front_.start(config));
  }

  /// The proxy under test: stack `secure` on the front with `tls` as its
  /// tls: block (flow style) and `more` stack keys.
  void start_edge(const std::string& tls, const std::string& more = "", int workers = 2,
                  const std::string& top_level = "") {
    proxy_config config;
    config.workers = workers;
    config.stacks = {{"secure", {"127.0.0.1:" + std::to_string(front_.http_port())}, 100}};
    config.stack_extra["secure"] = "    tls: " + tls + "\n" + more;
    config.top_level_extra = top_level;
    ASSERT_TRUE(edge_.start(config));
  }

  std::string ca_file(const test_ca& ca) const { return "\"" + ca.certificate().string() + "\""; }
  std::string verified_by(const test_ca& ca, const std::string& sni = upstream_name) const {
    return "{ ca: " + ca_file(ca) + ", sni: " + sni + " }";
  }

  /// Handshakes the front completed (full and resumed, every version).
  double front_handshakes(const std::string& resumed = "") {
    if (resumed.empty()) {
      return front_.metric("quikedge_tls_handshakes_total", {{"listener", "http"}});
    }
    return front_.metric("quikedge_tls_handshakes_total",
                         {{"listener", "http"}, {"resumed", resumed}});
  }
  double edge_handshakes(const std::string& result) {
    return edge_.metric("quikedge_upstream_tls_handshakes_total",
                        {{"stack", "secure"}, {"result", result}});
  }

  std::filesystem::path certs_dir_;
  std::unique_ptr<test_ca> ca_;
  std::unique_ptr<test_ca> other_ca_;
  // Declared in start order, so that they stop in reverse.
  upstream_process blue_{"blue"};
  proxy_process front_;
  proxy_process edge_;
};

TEST_F(upstream_tls, verified_requests_reach_the_tls_upstream) {
  start_front();
  start_edge(verified_by(*ca_));
  auto response = http_get(edge_.http_port(), "/");
  ASSERT_EQ(response.status, 200) << response.error << response.body;
  EXPECT_EQ(response.header("X-Upstream"), "blue");
  EXPECT_EQ(response.header("X-QuikEdge-Stack"), "secure");
  EXPECT_GE(front_handshakes(), 1);
  EXPECT_EQ(edge_handshakes("full"), 1);
  EXPECT_EQ(edge_handshakes("verify_failed"), 0);
}

TEST_F(upstream_tls, a_certificate_from_another_ca_is_a_502) {
  start_front();
  start_edge(verified_by(*other_ca_));
  auto response = http_get(edge_.http_port(), "/");
  EXPECT_EQ(response.status, 502) << response.error << response.body;
  EXPECT_GE(edge_handshakes("verify_failed"), 1);
  upstream_stats stats;  // the request never reached blue

  ASSERT_TRUE(blue_.stats(stats));
  EXPECT_EQ(stats.requests, 0U);
}

TEST_F(upstream_tls, a_certificate_for_another_name_is_a_502) {
  start_front();
  start_edge(verified_by(*ca_, "other.quikapp.test"));
  auto response = http_get(edge_.http_port(), "/");
  EXPECT_EQ(response.status, 502) << response.error << response.body;
  EXPECT_GE(edge_handshakes("verify_failed"), 1);
}

TEST_F(upstream_tls, the_endpoint_host_is_the_default_name_and_an_address_is_verified_as_such) {
  // No sni and an IP endpoint: the certificate must carry 127.0.0.1, and this
  // one names only up.quikapp.test.
  start_front();
  start_edge("{ ca: " + ca_file(*ca_) + " }");
  EXPECT_EQ(http_get(edge_.http_port(), "/").status, 502);
  EXPECT_GE(edge_handshakes("verify_failed"), 1);
}

TEST_F(upstream_tls, verify_off_accepts_any_certificate_and_still_encrypts) {
  start_front();
  start_edge("{ ca: " + ca_file(*other_ca_) + ", sni: other.quikapp.test, verify: false }");
  auto response = http_get(edge_.http_port(), "/");
  ASSERT_EQ(response.status, 200) << response.error << response.body;
  EXPECT_EQ(response.header("X-Upstream"), "blue");
  EXPECT_GE(front_handshakes(), 1);  // it was TLS
}

TEST_F(upstream_tls, upstream_tls_connections_are_kept_alive) {
  start_front();
  start_edge(verified_by(*ca_));
  http_client client(edge_.http_port());
  for (int i = 0; i < 20; ++i) {
    auto response = client.get("/");
    ASSERT_EQ(response.status, 200) << i << ": " << response.error;
  }
  // One client connection is served by one worker, which reuses its pooled
  // upstream connection: one handshake for twenty requests.
  EXPECT_EQ(front_handshakes(), 1);
  EXPECT_EQ(edge_handshakes("full") + edge_handshakes("resumed"), 1);
  upstream_stats stats;
  ASSERT_TRUE(blue_.stats(stats));
  EXPECT_EQ(stats.requests, 20U);
}

TEST_F(upstream_tls, a_new_upstream_connection_resumes_the_session) {
  start_front();
  start_edge(verified_by(*ca_), "", 1);
  // The first connection gets its session (TLS 1.3: tickets after the handshake).
  ASSERT_EQ(http_get(edge_.http_port(), "/").status, 200);
  // A slow request holds that connection...
  http_client slow;
  ASSERT_TRUE(slow.connect(edge_.http_port()));
  ASSERT_TRUE(slow.send(request_text("GET", "/delay/2000", {})));
  ASSERT_TRUE(eventually(
      [&] {
        upstream_stats stats;
        return blue_.stats(stats) && stats.requests == 2;
      },
      5s, "the slow request at blue"));
  // ... so the next request needs a second one, which resumes the first's session.
  ASSERT_EQ(http_get(edge_.http_port(), "/").status, 200);
  EXPECT_EQ(edge_handshakes("full"), 1);
  EXPECT_EQ(edge_handshakes("resumed"), 1);
  EXPECT_EQ(front_handshakes("true"), 1);
  EXPECT_EQ(slow.read_response().status, 200);
}

TEST_F(upstream_tls, a_websocket_runs_over_the_tls_upstream) {
  start_front();
  start_edge(verified_by(*ca_));
  const header_list upgrade = {{"Upgrade", "websocket"},
                               {"Connection", "Upgrade"},
                               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                               {"Sec-WebSocket-Version", "13"}};
  http_client client;
  ASSERT_TRUE(client.connect(edge_.http_port()));
  ASSERT_TRUE(client.send(request_text("GET", "/ws", upgrade)));
  auto response = client.read_response();
  ASSERT_EQ(response.status, 101) << response.error;
  EXPECT_EQ(response.header("X-Upstream"), "blue");
  // Frames after the 101: relayed through the tunnel's TLS side both ways.
  const std::string close = std::string("\x03\xe8", 2);  // 1000
  ASSERT_TRUE(client.send(masked_frame(0x1, "hello") + masked_frame(0x2, std::string(100, 'x')) +
                          masked_frame(0x8, close)));
  ASSERT_TRUE(client.wait_closed(5000ms));
  const std::string expected = std::string("\x81\x05hello", 7) + std::string("\x82\x64", 2) +
                               std::string(100, 'x') + std::string("\x88\x02", 2) + close;
  EXPECT_EQ(client.unread_bytes(), expected);
  EXPECT_GE(front_handshakes(), 1);
}

constexpr const char* fast_health_check =
    "    health_check: { path: /health, interval: 100ms, timeout: 1s, healthy_threshold: 1,"
    " unhealthy_threshold: 1 }\n";

TEST_F(upstream_tls, health_checks_speak_tls) {
  start_front();
  start_edge(verified_by(*ca_), fast_health_check);
  // The probes reach blue through the TLS front, and the endpoint stays up.
  EXPECT_TRUE(eventually(
      [&] {
        upstream_stats stats;
        return blue_.stats(stats) && stats.requests >= 3;
      },
      10s, "three health checks through the TLS upstream"));
  EXPECT_EQ(edge_.metric("quikedge_upstream_healthy", {{"stack", "secure"}}), 1);
  EXPECT_EQ(http_get(edge_.http_port(), "/").status, 200);
}

TEST_F(upstream_tls, a_health_check_that_fails_verification_marks_the_endpoint_down) {
  start_front();
  start_edge(verified_by(*other_ca_), fast_health_check);
  EXPECT_TRUE(eventually(
      [&] {
        return edge_.metric("quikedge_upstream_healthy", {{"stack", "secure"}}) == 0;
      },
      10s, "the endpoint marked unhealthy"));
}

TEST_F(upstream_tls, a_reload_reads_the_ca_again_and_a_broken_one_changes_nothing) {
  start_front();
  const auto ca_path = certs_dir_ / "edge-ca.crt";
  std::filesystem::copy_file(ca_->certificate(), ca_path);
  start_edge("{ ca: \"" + ca_path.string() + "\", sni: " + upstream_name + " }");
  http_client client(edge_.http_port());
  ASSERT_EQ(client.get("/").status, 200);  // leaves a pooled upstream connection

  // A CA file without a certificate: the reload is refused, the old CA stays.
  {
    std::ofstream out(ca_path, std::ios::trunc);
    out << "not a certificate\n";
  }
  auto refused = edge_.admin("POST", "/api/v1/reload");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("stacks.secure.tls.ca"), std::string::npos) << refused.body;
  EXPECT_EQ(client.get("/").status, 200);

  // Another CA that did not sign the front: the new context applies at once,
  // even to the pooled connection verified under the old one.
  std::filesystem::copy_file(other_ca_->certificate(), ca_path,
                             std::filesystem::copy_options::overwrite_existing);
  auto reloaded = edge_.admin("POST", "/api/v1/reload");
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  EXPECT_EQ(client.get("/").status, 502);
  EXPECT_GE(edge_handshakes("verify_failed"), 1);
}

TEST_F(upstream_tls, an_unreadable_ca_fails_check_config_with_its_position) {
  const auto file = certs_dir_ / "edge.yaml";
  {
    std::ofstream out(file);
    out << "listeners:\n  - name: http\n    address: 127.0.0.1:0\n"
           "stacks:\n  secure:\n    endpoints: [\"127.0.0.1:1\"]\n"
           "    tls: { ca: /nonexistent/ca.crt }\n"
           "routing:\n  weights: { secure: 100 }\n";
  }
  auto result = run_command({bin_path("quikedge"), "--check-config", file.string()});
  EXPECT_NE(result.exit_status, 0);
  EXPECT_NE((result.out + result.err).find(":7:16: stacks.secure.tls.ca: cannot read"),
            std::string::npos)
      << result.out << result.err;
}

}  // namespace
}  // namespace quikedge::test
