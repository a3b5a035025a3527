// Header rewriting toward the upstream and the client.
#include <gtest/gtest.h>

#include "http/head_writer.hpp"
#include "http/message_head.hpp"

namespace quikedge::http {
namespace {

std::string upstream_head(std::string_view request, upstream_request_facts facts) {
  message_head head;
  EXPECT_EQ(parse_request_head(request, head_limits{}, head), parse_status::ok);
  std::string out;
  write_upstream_request_head(head, facts, out);
  return out;
}

TEST(UpstreamHead, RemovesHopByHopAndAddsForwardingHeaders) {
  std::string out = upstream_head(
      "GET /p HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: 5\r\n"
      "X-Secret: s\r\nTE: trailers\r\nUpgrade: foo\r\nProxy-Connection: x\r\nX-Forwarded-For: "
      "1.1.1.1\r\nX-Forwarded-Proto: https\r\nAccept: */*\r\n\r\n",
      {"10.0.0.9", false, "0123", "up:80"});
  EXPECT_EQ(out,
            "GET /p HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-Forwarded-For: 1.1.1.1, 10.0.0.9\r\n"
            "X-Forwarded-Proto: http\r\nX-Request-Id: 0123\r\n\r\n");
}

TEST(UpstreamHead, NamesInEveryConnectionLineAreHopByHop) {
  // Not only the last line: "Connection: X-Hop" then "Connection: keep-alive".
  std::string out = upstream_head(
      "GET /p HTTP/1.1\r\nHost: h\r\nConnection: X-Hop\r\nConnection: keep-alive\r\n"
      "X-Hop: secret\r\nX-Other: o\r\nAccept: */*\r\n\r\n",
      {"10.0.0.9", false, "0123", "up:80"});
  EXPECT_EQ(out.find("X-Hop"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Other: o\r\n"), std::string::npos) << out;
}

TEST(UpstreamHead, KeepsRequestIdAndAddsHostForHttp10) {
  std::string out = upstream_head("GET / HTTP/1.0\r\nX-Request-Id: mine\r\n\r\n",
                                  {"127.0.0.1", true, "unused", "up:80"});
  EXPECT_NE(out.find("X-Request-Id: mine\r\n"), std::string::npos);
  EXPECT_EQ(out.find("unused"), std::string::npos);
  EXPECT_NE(out.find("Host: up:80\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-Proto: https\r\n"), std::string::npos);
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(out.rfind("GET / HTTP/1.0\r\n", 0), 0U);
}

TEST(UpstreamHead, ChunkedBodyStaysChunkedAndExpectIsStripped) {
  std::string out = upstream_head(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
      {"1.2.3.4", false, "id", "up"});
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Expect"), std::string::npos);
}

TEST(ClientHead, AddsStackHeaderAndConnectionDecision) {
  message_head head;
  ASSERT_EQ(
      parse_response_head("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: "
                          "timeout=5\r\nX-QuikEdge-Stack: forged\r\nContent-Length: 2\r\n\r\n",
                          head_limits{}, false, head),
      parse_status::ok);
  std::string out;
  write_client_response_head(head, {false, 1, "X-QuikEdge-Stack", "green"}, out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nX-QuikEdge-Stack: green\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n");
  write_client_response_head(head, {true, 0, "", ""}, out);
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-QuikEdge-Stack: forged"), std::string::npos);
}

TEST(ErrorResponse, HasShortBodyAndCorrectLength) {
  std::string out;
  write_error_response(502, true, out);
  EXPECT_EQ(out,
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n"
            "Connection: close\r\n\r\n502 Bad Gateway\n");
}

// The framing the upstream reads must be the framing the proxy parsed, whatever
// Connection names: otherwise the body becomes the upstream's next request.
TEST(UpstreamHead, ConnectionCannotRemoveFramingOrHost) {
  for (std::string_view nominated :
       {"Content-Length", "close, Content-Length", "Host", "Content-Length, Host"}) {
    std::string request = "POST /p HTTP/1.1\r\nHost: h\r\nConnection: " + std::string(nominated) +
                          "\r\nContent-Length: 58\r\n\r\n";
    std::string out = upstream_head(request, {"1.2.3.4", false, "id", "up"});
    EXPECT_NE(out.find("\r\nContent-Length: 58\r\n"), std::string::npos) << nominated << out;
    EXPECT_NE(out.find("\r\nHost: h\r\n"), std::string::npos) << nominated << out;
  }
  std::string chunked = upstream_head(
      "POST /p HTTP/1.1\r\nHost: h\r\nConnection: Transfer-Encoding\r\n"
      "Transfer-Encoding: chunked\r\n\r\n",
      {"1.2.3.4", false, "id", "up"});
  EXPECT_NE(chunked.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos);
}

TEST(UpstreamHead, RequestIdSurvivesConnectionNomination) {
  std::string out = upstream_head(
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: X-Request-Id\r\nX-Request-Id: mine\r\n\r\n",
      {"1.2.3.4", false, "generated", "up"});
  EXPECT_NE(out.find("X-Request-Id: mine\r\n"), std::string::npos);
}

TEST(UpstreamHead, AbsoluteFormGoesOutAsOriginFormWithItsAuthorityAsHost) {
  std::string out = upstream_head("GET http://a.example:81/x?y HTTP/1.1\r\nHost: forged\r\n\r\n",
                                  {"1.2.3.4", false, "id", "up"});
  EXPECT_EQ(out.rfind("GET /x?y HTTP/1.1\r\nHost: a.example:81\r\n", 0), 0U) << out;
  EXPECT_EQ(out.find("forged"), std::string::npos);
  std::string bare = upstream_head("GET http://a.example?q HTTP/1.1\r\nHost: a.example\r\n\r\n",
                                   {"1.2.3.4", false, "id", "up"});
  EXPECT_EQ(bare.rfind("GET /?q HTTP/1.1\r\n", 0), 0U) << bare;
}

TEST(ClientHead, ConnectionCannotRemoveTheResponseFraming) {
  message_head head;
  ASSERT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nConnection: Content-Length\r\n"
                                "Content-Length: 3\r\n\r\n",
                                head_limits{}, false, head),
            parse_status::ok);
  std::string out;
  write_client_response_head(head, {true, 1, "", ""}, out);
  EXPECT_NE(out.find("\r\nContent-Length: 3\r\n"), std::string::npos) << out;
  ASSERT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nConnection: Transfer-Encoding\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n",
                                head_limits{}, false, head),
            parse_status::ok);
  write_client_response_head(head, {true, 1, "", ""}, out);
  EXPECT_NE(out.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos) << out;
}

TEST(ClientHead, ContentLengthOnlyWhereItMayStand) {
  message_head head;
  std::string out;
  ASSERT_EQ(parse_response_head("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
                                head_limits{}, false, head),
            parse_status::ok);
  write_client_response_head(head, {true, 1, "", ""}, out);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos) << out;
  // HEAD: the size the body would have, though none follows.
  ASSERT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", head_limits{}, true,
                                head),
            parse_status::ok);
  write_client_response_head(head, {true, 1, "", ""}, out);
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace quikedge::http
