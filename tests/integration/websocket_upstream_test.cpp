// quikedge-upstream's /ws echo on its own, byte for byte: the RFC 6455 handshake
// (section 1.3's sample key), frames sent together with the upgrade, the close
// handshake echoing the code, 1002 on a protocol error, and the refusals. The proxy
// tests rely on this server, so it is checked against the RFC here, without a proxy.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <string>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/upstream_process.hpp"
#include "support/ws_frames.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

const header_list upgrade_headers = {{"Upgrade", "websocket"},
                                     {"Connection", "Upgrade"},
                                     {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                     {"Sec-WebSocket-Version", "13"}};

std::string close_payload(std::uint16_t code, const std::string& reason = {}) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  return payload + reason;
}

class websocket_upstream : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(upstream.start()); }

  /// Sends the upgrade and `frames` in one write; returns the 101 (or what came instead).
  http_response upgrade(http_client& client, const std::string& frames = {}) {
    EXPECT_TRUE(client.connect(upstream.port()));
    EXPECT_TRUE(client.send(request_text("GET", "/ws", upgrade_headers) + frames));
    return client.read_response();
  }

  std::int64_t serving() {
    auto response = http_get(upstream.port(), "/stats");
    boost::system::error_code ec;
    auto json = boost::json::parse(response.body, ec);
    return ec ? -1 : json.at("websockets").to_number<std::int64_t>();
  }

  upstream_process upstream{"blue"};
};

TEST_F(websocket_upstream, answers_the_rfc_sample_handshake_and_names_itself) {
  http_client client;
  auto response = upgrade(client);
  ASSERT_EQ(response.status, 101) << response.error;
  EXPECT_EQ(response.header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(response.header("Upgrade"), "websocket");
  EXPECT_EQ(response.header("X-Upstream"), "blue");
  EXPECT_TRUE(eventually([&] { return serving() == 1; }, 5000ms, "/stats websockets == 1"));
  client.close();
  EXPECT_TRUE(eventually([&] { return serving() == 0; }, 5000ms, "/stats websockets == 0"));
}

TEST_F(websocket_upstream, echoes_frames_sent_with_the_upgrade_and_the_close_code) {
  http_client client;
  const std::string frames = masked_frame(0x1, "hello") + masked_frame(0x9, "ping!") +
                             masked_frame(0x2, std::string(125, '\x07')) +
                             masked_frame(0x8, close_payload(4000, "bye"));
  auto response = upgrade(client, frames);
  ASSERT_EQ(response.status, 101) << response.error;
  // After its close the server closes the connection: everything is there by then.
  ASSERT_TRUE(client.wait_closed(5000ms));
  const std::string expected = std::string("\x81\x05hello", 7) + std::string("\x8a\x05ping!", 7) +
                               std::string("\x82\x7d", 2) + std::string(125, '\x07') +
                               std::string("\x88\x05", 2) + close_payload(4000, "bye");
  EXPECT_EQ(client.unread_bytes(), expected);
}

TEST_F(websocket_upstream, answers_an_unmasked_client_frame_with_close_1002) {
  http_client client;
  auto response = upgrade(client, std::string("\x81\x02hi", 4));
  ASSERT_EQ(response.status, 101) << response.error;
  ASSERT_TRUE(client.wait_closed(5000ms));
  EXPECT_EQ(client.unread_bytes(), std::string("\x88\x02\x03\xea", 4));
}

TEST_F(websocket_upstream, refuses_what_is_not_a_websocket_upgrade) {
  auto plain = http_get(upstream.port(), "/ws");
  EXPECT_EQ(plain.status, 426);
  EXPECT_EQ(plain.header("Sec-WebSocket-Version"), "13");

  http_client client;
  ASSERT_TRUE(client.connect(upstream.port()));
  header_list old_version = upgrade_headers;
  old_version.back().second = "8";
  auto response = client.request("GET", "/ws", old_version);
  EXPECT_EQ(response.status, 426);

  header_list bad_key = upgrade_headers;
  bad_key[2].second = "not base64 of 16 bytes";
  http_client other(upstream.port());
  EXPECT_EQ(other.request("GET", "/ws", bad_key).status, 400);
}

}  // namespace
}  // namespace quikedge::test
