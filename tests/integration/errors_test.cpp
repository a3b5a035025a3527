// The errors the proxy makes itself (400, 431, 502, 504), the connection
// handling that goes with them, and that the proxy keeps serving afterwards.
#include <gtest/gtest.h>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

class errors : public two_stacks {
 protected:
  void SetUp() override {
    proxy_config config;
    config.top_level_extra =
        "timeouts: { upstream_response: 300ms }\n"
        "limits: { max_request_header_bytes: 4096 }\n";
    ASSERT_TRUE(start(100, 0, config));
  }

  void TearDown() override {
    auto response = http_get(port(), "/");
    EXPECT_EQ(response.status, 200) << "the proxy stopped serving: " << response.error;
  }

  /// Starts `out` with a single stack whose only endpoint refuses connections, so that
  /// no retry, failover or health logic can find a working upstream.
  testing::AssertionResult start_dead_proxy(proxy_process& out) {
    proxy_config config;
    config.stacks = {{"dead", {"127.0.0.1:" + std::to_string(unused_port())}, 100}};
    return out.start(config);
  }

  /// Sends raw bytes and reads the one response.
  http_response answer_to(http_client& client, const std::string& raw) {
    EXPECT_TRUE(client.send(raw)) << client.error();
    return client.read_response();
  }
};

/// A short, human-readable body: the status line again, not a page.
void expect_short_body(const http_response& response) {
  EXPECT_FALSE(response.body.empty());
  EXPECT_LT(response.body.size(), 200U) << response.body;
}

struct bad_request {
  const char* name;
  std::string raw;
  int status;
};

void PrintTo(const bad_request& request, std::ostream* out) {
  *out << request.name;
}

class refused : public errors, public testing::WithParamInterface<bad_request> {};

TEST_P(refused, with_its_status_and_the_connection_closed) {
  http_client client(port());
  auto response = answer_to(client, GetParam().raw);
  ASSERT_EQ(response.status, GetParam().status) << response.error;
  expect_short_body(response);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds(5)));
  upstream_stats stats;
  ASSERT_TRUE(blue().stats(stats));
  EXPECT_EQ(stats.requests, 0U) << "the refused request reached the upstream";
}

const std::string header_over_limit =
    "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8192, 'a') + "\r\n\r\n";

INSTANTIATE_TEST_SUITE_P(
    errors, refused,
    testing::Values(
        bad_request{"garbage_request_line", "GARBAGE\r\n\r\n", 400},
        bad_request{"request_line_with_four_parts", "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400},
        bad_request{"bad_method_character", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        bad_request{"header_over_limit", header_over_limit, 431},
        bad_request{"content_length_and_transfer_encoding",
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    400},
        bad_request{"two_different_content_lengths",
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    "Content-Length: 6\r\n\r\nhello!",
                    400},
        bad_request{"repeated_equal_content_lengths",
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                    "Content-Length: 5\r\n\r\nhello",
                    400},
        bad_request{"content_length_list",
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello", 400},
        bad_request{"negative_content_length",
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
        bad_request{"content_length_with_plus",
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400},
        bad_request{"transfer_encoding_not_ending_in_chunked",
                    "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                    400}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(errors, bad_chunk_size_is_400_and_closed) {
  for (std::string size_line : {"zz", "-1", "fffffffffffffffffffff"}) {
    http_client client(port());
    auto response =
        answer_to(client, request_text("POST", "/echo", {{"Transfer-Encoding", "chunked"}}) +
                              size_line + "\r\nhello\r\n0\r\n\r\n");
    ASSERT_EQ(response.status, 400) << size_line << ": " << response.error;
    expect_short_body(response);
    EXPECT_TRUE(client.wait_closed(std::chrono::seconds(5))) << size_line;
  }
}

TEST_F(errors, upstream_refusing_connections_is_502) {
  proxy_process dead;
  ASSERT_TRUE(start_dead_proxy(dead));
  http_client client(dead.http_port());
  auto response = client.get("/");
  ASSERT_EQ(response.status, 502) << response.error;
  expect_short_body(response);
  auto again = client.get("/");
  EXPECT_TRUE(again.status == 502 || again.status == 503)
      << "a bodiless request leaves the connection usable: " << again.status << again.error;
}

TEST_F(errors, a_body_left_unread_by_an_error_is_never_taken_as_the_next_request) {
  proxy_process dead;
  ASSERT_TRUE(start_dead_proxy(dead));
  const std::string smuggled = request_text("GET", "/status/299");
  http_client client(dead.http_port());
  ASSERT_TRUE(client.send(request_text("POST", "/echo", {}, smuggled)));
  auto response = client.read_response();
  ASSERT_EQ(response.status, 502) << response.error;
  // Had the body been parsed as a request, a second answer would follow unasked.
  auto extra = client.read_response(false, std::chrono::seconds(1));
  EXPECT_EQ(extra.status, 0) << "the request body was answered as a request";
}

TEST_F(errors, a_bad_request_behind_a_good_one_is_answered_after_it) {
  http_client client(port());
  ASSERT_TRUE(client.send(request_text("GET", "/status/201") + "GARBAGE\r\n\r\n"));
  EXPECT_EQ(client.read_response().status, 201);
  auto refused = client.read_response();
  EXPECT_EQ(refused.status, 400) << refused.error;
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds(5)));
}

TEST_F(errors, upstream_too_slow_is_504_after_the_response_timeout) {
  http_client client(port());
  const auto started = test_clock::now();
  auto response = client.get("/delay/3000");
  const auto took = test_clock::now() - started;
  ASSERT_EQ(response.status, 504) << response.error;
  expect_short_body(response);
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace quikedge::test
