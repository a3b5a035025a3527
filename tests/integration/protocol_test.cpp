// HTTP/1.0 clients, responses without a body (HEAD, 204, 304) and
// Expect: 100-continue.
#include <gtest/gtest.h>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

class protocol : public two_stacks_at<100, 0> {};

TEST_F(protocol, http10_without_keep_alive_gets_the_answer_and_a_close) {
  http_client client(port());
  ASSERT_TRUE(client.send("GET /bytes/100 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_FALSE(response.keep_alive);
  EXPECT_EQ(response.body.size(), 100U);
  EXPECT_TRUE(matches_upstream_pattern(0, response.body));
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds(5)));
  EXPECT_EQ(client.unread_bytes(), "");
}

TEST_F(protocol, http10_response_to_chunked_upstream_content_is_readable) {
  // The proxy asks the upstream in HTTP/1.0, which cannot answer chunked.
  http_client client(port());
  ASSERT_TRUE(client.send("GET /chunked?n=3&size=10 HTTP/1.0\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.header("Transfer-Encoding"), "");
  EXPECT_EQ(response.body.size(), 30U);
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds(5)));
}

TEST_F(protocol, http10_with_keep_alive_stays_open) {
  http_client client(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_EQ(response.status, 200) << "request " << i << ": " << response.error;
    EXPECT_TRUE(response.keep_alive) << "request " << i;
    EXPECT_EQ(response.body, "blue\n");
  }
}

TEST_F(protocol, http11_connection_close_is_honoured) {
  http_client client(port());
  auto response = client.get("/", {{"Connection", "close"}});
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_FALSE(response.keep_alive);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds(5)));
}

TEST_F(protocol, http10_post_with_keep_alive) {
  http_client client(port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.send(
        "POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nping"));
    auto response = client.read_response();
    ASSERT_EQ(response.status, 200) << response.error;
    EXPECT_EQ(response.body, "ping");
    EXPECT_TRUE(response.keep_alive);
  }
}

TEST_F(protocol, head_has_no_body) {
  http_client client(port());
  auto head = client.request("HEAD", "/bytes/5000");
  ASSERT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(head.header("Content-Length"), "5000");
  EXPECT_EQ(head.body, "");
  auto next = client.get("/bytes/4");
  EXPECT_EQ(next.body, "ABCD") << "bytes after the HEAD response: " << client.unread_bytes();
}

TEST_F(protocol, head_of_a_chunked_resource_has_no_body) {
  http_client client(port());
  auto head = client.request("HEAD", "/chunked?n=4&size=16");
  ASSERT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(head.body, "");
  auto next = client.get("/bytes/4", {}, std::chrono::seconds(3));
  EXPECT_EQ(next.body, "ABCD") << next.error << "; unread: " << client.unread_bytes();
}

TEST_F(protocol, no_content_and_not_modified_have_no_body) {
  http_client client(port());
  for (int status : {204, 304}) {
    auto response = client.get("/status/" + std::to_string(status));
    ASSERT_EQ(response.status, status) << response.error;
    EXPECT_EQ(response.body, "");
    EXPECT_EQ(response.header("Transfer-Encoding"), "");
    auto next = client.get("/bytes/4");
    EXPECT_EQ(next.body, "ABCD") << "after " << status;
  }
}

TEST_F(protocol, expect_continue_gets_100_then_the_echo) {
  const std::string body = make_test_body(1024 * 1024);
  http_client client(port());
  ASSERT_TRUE(client.send(
      request_text("POST", "/echo",
                   {{"Content-Length", std::to_string(body.size())}, {"Expect", "100-continue"}})));
  auto interim = client.read_response();
  ASSERT_EQ(interim.status, 100) << interim.error;
  ASSERT_TRUE(client.send(body));
  auto response = client.read_response();
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.body.size(), body.size());
  EXPECT_TRUE(response.body == body) << "echoed bytes differ";
}

TEST_F(protocol, http10_expect_continue_gets_no_interim_answer) {
  // HTTP/1.0 has no 1xx: a 1.0 client would take "100 Continue" for the answer
  // and read every later response on the connection one behind.
  http_client client(port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        client.send("POST /echo HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n"
                    "Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"));
    auto response = client.read_response();
    ASSERT_EQ(response.status, 200) << response.error;
    EXPECT_EQ(response.body, "hello");
  }
  EXPECT_EQ(client.unread_bytes(), "");
}

TEST_F(protocol, a_websocket_handshake_with_a_body_is_refused) {
  // The bytes after such a head would be neither body nor frames once the
  // upstream answered 101; no opening handshake has one (RFC 6455 4.1).
  const std::string upgrade =
      "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  for (const std::string framing :
       {"Content-Length: 100\r\n\r\n", "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"}) {
    http_client client(port());
    ASSERT_TRUE(client.send(upgrade + framing));
    auto response = client.read_response();
    EXPECT_EQ(response.status, 400) << framing << response.error;
    EXPECT_TRUE(client.wait_closed(std::chrono::seconds(5))) << framing;
  }
  // Without a body (or with an empty one) the same handshake still upgrades.
  http_client client(port());
  ASSERT_TRUE(client.send(upgrade + "Content-Length: 0\r\n\r\n"));
  EXPECT_EQ(client.read_response().status, 101);
}

}  // namespace
}  // namespace quikedge::test
