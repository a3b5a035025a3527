// SPEC 14 keys: listeners[].http2, limits.max_concurrent_streams,
// stacks.NAME.protocol, and the ALPN list an HTTP/2 TLS listener offers.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "quikedge/config_loader.hpp"

namespace quikedge {
namespace {

namespace fs = std::filesystem;

const std::string stacks =
    "stacks:\n  blue: { endpoints: [\"127.0.0.1:18081\"], protocol: h2c }\n"
    "  green: { endpoints: [\"127.0.0.1:18082\"] }\n"
    "routing: { weights: { blue: 100 } }\n";

config load_ok(const std::string& text) {
  config_load_result result = load_config_text(text, "test.yaml");
  EXPECT_TRUE(result.errors.empty()) << text;
  return result.value.value_or(config{});
}

/// A listener block using the demo certificate pair by absolute path.
std::string tls_listener(const std::string& extra) {
  const fs::path dir = fs::path(QUIKEDGE_SOURCE_DIR) / "config" / "tls";
  return "listeners:\n  - name: https\n    address: 127.0.0.1:8443\n    http2: true\n"
         "    tls: { certificate: \"" +
         (dir / "localhost.crt").string() + "\", private_key: \"" +
         (dir / "localhost.key").string() + "\"" + extra + " }\n";
}

TEST(Http2Config, DefaultsAreHttp1AndOneHundredTwentyEightStreams) {
  const config cfg = load_ok("listeners: [{ name: http, address: 127.0.0.1:8080 }]\n" + stacks);
  EXPECT_FALSE(cfg.listeners[0].http2);
  EXPECT_EQ(cfg.limits.max_concurrent_streams, 128U);
  EXPECT_EQ(cfg.stacks[0].protocol, upstream_protocol::h2c);
  EXPECT_EQ(cfg.stacks[1].protocol, upstream_protocol::http1);
}

TEST(Http2Config, ListenerAndLimitAreRead) {
  const config cfg = load_ok(
      "listeners: [{ name: http, address: 127.0.0.1:8080, http2: true }]\n"
      "limits: { max_concurrent_streams: 64 }\n" +
      stacks);
  EXPECT_TRUE(cfg.listeners[0].http2);
  EXPECT_EQ(cfg.limits.max_concurrent_streams, 64U);
}

TEST(Http2Config, TlsListenerWithHttp2OffersH2FirstUnlessAlpnIsWritten) {
  const config offered = load_ok(tls_listener("") + stacks);
  ASSERT_TRUE(offered.listeners[0].tls.has_value());
  EXPECT_TRUE(offered.listeners[0].tls->http2);
  EXPECT_EQ(offered.listeners[0].tls->alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  const config written = load_ok(tls_listener(", alpn: [http/1.1]") + stacks);
  EXPECT_EQ(written.listeners[0].tls->alpn, (std::vector<std::string>{"http/1.1"}));
}

}  // namespace
}  // namespace quikedge
