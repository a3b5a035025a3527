// HTTP/1.1 pipelining: requests written back to back are answered in order.
#include <gtest/gtest.h>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

class pipelining : public two_stacks_at<100, 0> {};

TEST_F(pipelining, three_requests_in_one_send_come_back_in_order) {
  http_client client(port());
  ASSERT_TRUE(client.send(request_text("GET", "/status/201") + request_text("GET", "/status/202") +
                          request_text("GET", "/status/203")));
  for (int expected : {201, 202, 203}) {
    auto response = client.read_response();
    ASSERT_EQ(response.status, expected) << response.error;
    EXPECT_EQ(response.body, "blue\n");
  }
  EXPECT_EQ(client.get("/status/204").status, 204) << "connection still usable";
}

TEST_F(pipelining, bodies_between_pipelined_requests_stay_with_their_request) {
  http_client client(port());
  ASSERT_TRUE(client.send(request_text("POST", "/echo", {}, "first body") +
                          request_text("GET", "/status/202") +
                          request_text("POST", "/echo", {{"Transfer-Encoding", "chunked"}}) +
                          "5\r\nthird\r\n0\r\n\r\n" + request_text("GET", "/status/204")));
  auto first = client.read_response();
  ASSERT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(first.body, "first body");
  auto second = client.read_response();
  ASSERT_EQ(second.status, 202) << second.error;
  auto third = client.read_response();
  ASSERT_EQ(third.status, 200) << third.error;
  EXPECT_EQ(third.body, "third");
  EXPECT_EQ(client.read_response().status, 204);
}

TEST_F(pipelining, many_requests_spanning_several_reads_come_back_in_order) {
  // About 40 KiB of requests: more than one read buffer of the proxy.
  std::string batch;
  for (int i = 0; i < 200; ++i) {
    batch += request_text("GET", "/bytes/" + std::to_string(1 + i % 50),
                          {{"X-Padding", std::string(150, 'p')}});
  }
  http_client client(port());
  ASSERT_TRUE(client.send(batch));
  for (int i = 0; i < 200; ++i) {
    auto response = client.read_response();
    ASSERT_EQ(response.status, 200) << "response " << i << ": " << response.error;
    ASSERT_EQ(response.body.size(), static_cast<std::size_t>(1 + i % 50)) << "response " << i;
  }
}

TEST_F(pipelining, head_between_gets_has_no_body) {
  http_client client(port());
  ASSERT_TRUE(client.send(request_text("GET", "/bytes/10") + request_text("HEAD", "/bytes/10") +
                          request_text("GET", "/bytes/3")));
  EXPECT_EQ(client.read_response().body, "ABCDEFGHIJ");
  auto head = client.read_response(true);
  ASSERT_EQ(head.status, 200) << head.error;
  EXPECT_EQ(head.header("Content-Length"), "10");
  EXPECT_EQ(client.read_response().body, "ABC");
}

}  // namespace
}  // namespace quikedge::test
