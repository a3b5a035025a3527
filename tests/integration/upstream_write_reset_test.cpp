// A request whose upstream write fails: when the reset comes before any byte is written,
// the request's body is still in the proxy's client buffer. If the proxy kept that
// client connection, the body would be parsed as the client's next request, which
// smuggles whatever the body holds. From outside the proxy that race is won about 2% of
// the time (an upstream killed as the request goes out), so the write is failed here
// with tests/preload/fail_write.cpp, preloaded into the proxy: every upstream write of
// a request that carries the marker header fails with ECONNRESET, nothing sent.
#include <gtest/gtest.h>

#include <cstdlib>

#include "support/child_process.hpp"
#include "support/recording_upstream.hpp"

namespace quikedge::test {
namespace {

constexpr std::string_view fail_marker = "reset-this-write-4b1d";
const std::string marker_field = "X-Test-Write: " + std::string(fail_marker) + "\r\n";

class upstream_write_reset : public recorded_proxy {
 protected:
  void SetUp() override {
    std::string asan = std::getenv("ASAN_OPTIONS") != nullptr ? std::getenv("ASAN_OPTIONS") : "";
    // An ASan proxy refuses to start with a library loaded ahead of its runtime.
    asan += std::string(asan.empty() ? "" : ":") + "verify_asan_link_order=0";
    ASSERT_TRUE(proxy.start(render_config(config()),
                            {{"LD_PRELOAD", bin_path("quikedge_test_fail_write.so")},
                             {"QUIKEDGE_TEST_FAIL_WRITE_MARKER", std::string(fail_marker)},
                             {"QUIKEDGE_IO_BACKEND", "epoll"},  // writes through libc
                             {"ASAN_OPTIONS", asan}}));
  }

  /// POST /a with the marker, Content-Length framing, `body` as its payload.
  static std::string marked_post(std::string_view body) {
    return post_head("/a",
                     marker_field + "Content-Length: " + std::to_string(body.size()) + "\r\n") +
           std::string(body);
  }
};

TEST_F(upstream_write_reset, a_request_without_the_marker_is_forwarded_untouched) {
  // The preloaded library passes every other write through: the proxy works as always.
  expect_case(forwarded("plain_post", post_head("/a", "Content-Length: 5\r\n") + "hello",
                        {{"POST", "/a", "hello"}}));
}

TEST_F(upstream_write_reset, the_body_of_a_request_whose_write_failed_is_never_a_request) {
  // The smuggled request is the whole body, read with the head: nothing of it was
  // written when the write failed, so all of it is still in the client buffer.
  expect_case(refused("body_left_in_buffer", marked_post(smuggled_request()), {502}));
}

TEST_F(upstream_write_reset, a_chunked_body_left_in_the_buffer_is_never_a_request) {
  const std::string raw = post_head("/a", marker_field + "Transfer-Encoding: chunked\r\n") +
                          chunk(smuggled_request()) + "0\r\n\r\n";
  expect_case(refused("chunked_body_left_in_buffer", raw, {502}));
}

TEST_F(upstream_write_reset, a_request_pipelined_behind_the_failed_one_is_not_answered) {
  // The connection closes after the 502: the request behind it is not taken either,
  // since where the failed request's body ends is what the proxy can no longer vouch
  // for once it stopped consuming it.
  expect_case(
      refused("pipelined_behind", marked_post(smuggled_request()) + get_text("/after"), {502}));
}

TEST_F(upstream_write_reset, a_fresh_upstream_connection_fails_the_same_way) {
  // No warm-up: the request goes out on a connection opened for it.
  http_client client(port(), std::chrono::seconds(3));
  ASSERT_TRUE(client.send(marked_post(smuggled_request()), std::chrono::seconds(3)));
  auto response = client.read_response(false, std::chrono::seconds(4));
  EXPECT_EQ(response.status, 502) << response.error;
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds(3))) << "the connection stayed open";
  EXPECT_TRUE(upstream_saw(0, {}));
}

}  // namespace
}  // namespace quikedge::test
