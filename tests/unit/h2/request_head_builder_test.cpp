// An HTTP/2 header list becomes the HTTP/1.1 head the exchange forwards.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>

#include "h2/request_head_builder.hpp"

namespace quikedge::h2 {
namespace {

TEST(RequestHeadBuilder, PseudoHeadersMakeTheRequestLineAndHost) {
  request_head_builder builder(65536);
  builder.add(":method", "GET");
  builder.add(":scheme", "https");
  builder.add(":authority", "example.com");
  builder.add(":path", "/a?b=1");
  builder.add("accept", "*/*");
  std::string head;
  ASSERT_EQ(builder.finish(false, head), 0);
  EXPECT_EQ(head, "GET /a?b=1 HTTP/1.1\r\nhost: example.com\r\naccept: */*\r\n\r\n");
}

TEST(RequestHeadBuilder, AHostFieldOtherThanTheAuthorityIsRefused) {
  const auto finish_with = [](std::string_view authority, std::string_view host) {
    request_head_builder builder(65536);
    builder.add(":method", "GET");
    builder.add(":scheme", "https");
    builder.add(":authority", authority);
    builder.add(":path", "/");
    builder.add("host", host);
    std::string head;
    const int status = builder.finish(false, head);
    return std::make_pair(status, head);
  };
  EXPECT_EQ(finish_with("example.com", "other.example").first, 400);
  EXPECT_EQ(finish_with("example.com", "example.com:443").first, 400);
  const auto [status, head] = finish_with("example.com", "Example.COM");
  ASSERT_EQ(status, 0);
  EXPECT_EQ(head, "GET / HTTP/1.1\r\nhost: example.com\r\n\r\n");
}

TEST(RequestHeadBuilder, CookieCrumbsAreJoinedIntoOneField) {
  request_head_builder builder(65536);
  builder.add(":method", "GET");
  builder.add(":authority", "a");
  builder.add(":path", "/");
  builder.add("cookie", "a=1");
  builder.add("cookie", "quikedge_stack=green");
  std::string head;
  ASSERT_EQ(builder.finish(false, head), 0);
  EXPECT_NE(head.find("\r\ncookie: a=1; quikedge_stack=green\r\n"), std::string::npos) << head;
}

TEST(RequestHeadBuilder, ConnectionSpecificFieldsAndExpectAreDropped) {
  request_head_builder builder(65536);
  builder.add(":method", "POST");
  builder.add(":authority", "a");
  builder.add(":path", "/");
  builder.add("te", "trailers");
  builder.add("connection", "close");
  builder.add("transfer-encoding", "chunked");
  builder.add("expect", "100-continue");
  builder.add("host", "A");  // the same authority: sent once, as :authority has it
  builder.add("content-length", "3");
  std::string head;
  ASSERT_EQ(builder.finish(true, head), 0);
  EXPECT_EQ(head, "POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\n\r\n");
}

TEST(RequestHeadBuilder, BodyWithoutLengthIsFramedChunked) {
  request_head_builder builder(65536);
  builder.add(":method", "POST");
  builder.add(":path", "/up");
  builder.add("host", "h");
  std::string head;
  ASSERT_EQ(builder.finish(true, head), 0);
  EXPECT_EQ(head, "POST /up HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\n\r\n");
}

TEST(RequestHeadBuilder, MissingPseudoHeadersAndConnectAreRefused) {
  std::string head;
  request_head_builder no_path(65536);
  no_path.add(":method", "GET");
  no_path.add(":authority", "a");
  EXPECT_EQ(no_path.finish(false, head), 400);
  request_head_builder connect(65536);
  connect.add(":method", "CONNECT");
  connect.add(":authority", "a:443");
  EXPECT_EQ(connect.finish(false, head), 501);
}

TEST(RequestHeadBuilder, OnlyHttpSchemesAndOriginFormPathsAreForwarded) {
  // With another :scheme nghttp2 does not check :path, and an absolute-form
  // path would name its own host past :authority.
  struct case_ {
    const char* scheme;
    const char* method;
    const char* path;
    int status;
  };
  for (const auto& c :
       {case_{"foo", "GET", "http://internal.example/admin", 400},
        case_{"foo", "GET", "/fine", 400}, case_{"http", "GET", "relative", 400},
        case_{"https", "GET", "http://internal.example/", 400}, case_{"https", "GET", "*", 400},
        case_{"https", "OPTIONS", "*", 0}, case_{"http", "GET", "/ok", 0}}) {
    std::string head;
    request_head_builder builder(65536);
    builder.add(":method", c.method);
    builder.add(":scheme", c.scheme);
    builder.add(":authority", "a.example");
    builder.add(":path", c.path);
    EXPECT_EQ(builder.finish(false, head), c.status) << c.scheme << " " << c.path;
  }
}

TEST(RequestHeadBuilder, HeaderListOverTheLimitIsRefusedAndNotKept) {
  request_head_builder builder(1024);
  builder.add(":method", "GET");
  builder.add(":authority", "a");
  builder.add(":path", "/");
  for (int i = 0; i < 100; ++i) {
    builder.add("x-bomb", std::string(100, 'x'));
  }
  EXPECT_TRUE(builder.too_large());
}

}  // namespace
}  // namespace quikedge::h2
