// Desync corpus: framing headers named in Connection (requests and responses), and
// upstream responses with broken framing. Over one pooled upstream connection (one
// worker), no client may ever get another request's answer, a request must reach the
// upstream as exactly one request, and an upstream connection whose framing was broken
// is never reused.
#include <gtest/gtest.h>

#include "support/recording_upstream.hpp"

namespace quikedge::test {
namespace {

using namespace std::string_literals;

// --- Requests whose Connection header names a framing header --------------------------

class smuggling_connection_listed : public recorded_proxy,
                                    public testing::WithParamInterface<request_case> {};

TEST_P(smuggling_connection_listed, is_one_request_and_every_client_gets_its_own_answer) {
  // expect_case sends a follow-up on the same client (when kept) and the sentinel on a
  // second client, both over the pooled upstream connection the case used.
  const auto seen = expect_case(GetParam());
  if (HasFailure() || GetParam().expect_closed || seen.size() < 3) {
    return;
  }
  EXPECT_EQ(seen[1].connection, seen[0].connection)
      << "the follow-up did not reuse the pooled upstream connection, so the case did not "
         "exercise the pool\n"
      << upstream.describe();
  EXPECT_EQ(seen[2].connection, seen[0].connection) << upstream.describe();
}

std::vector<request_case> connection_listed_cases() {
  const std::string smuggled = smuggled_request();
  const std::string length = "Content-Length: " + std::to_string(smuggled.size()) + "\r\n";
  const std::string chunked = "Transfer-Encoding: chunked\r\n";
  const std::string chunked_body = chunk(smuggled) + "0\r\n\r\n";
  return {
      forwarded("content_length",
                post_head("/a", "Connection: Content-Length\r\n" + length) + smuggled,
                {{"POST", "/a", smuggled}}),
      forwarded("content_length_after_the_framing",
                post_head("/a", length + "Connection: Content-Length\r\n") + smuggled,
                {{"POST", "/a", smuggled}}),
      forwarded("content_length_uppercase",
                post_head("/a", "Connection: CONTENT-LENGTH\r\n" + length) + smuggled,
                {{"POST", "/a", smuggled}}),
      forwarded("keep_alive_and_content_length",
                post_head("/a", "Connection: keep-alive, Content-Length\r\n" + length) + smuggled,
                {{"POST", "/a", smuggled}}),
      forwarded("transfer_encoding",
                post_head("/a", "Connection: Transfer-Encoding\r\n" + chunked) + chunked_body,
                {{"POST", "/a", smuggled}}),
      forwarded("host", "GET /a HTTP/1.1\r\nHost: h.example\r\nConnection: Host\r\n\r\n",
                {{"GET", "/a", ""}}),
      forwarded("host_and_content_length",
                post_head("/a", "Connection: Host, Content-Length\r\n" + length) + smuggled,
                {{"POST", "/a", smuggled}}),
      forwarded_then_closed(
          "close_and_content_length",
          post_head("/a", "Connection: close, Content-Length\r\n" + length) + smuggled,
          {{"POST", "/a", smuggled}}),
      forwarded_then_closed(
          "close_and_transfer_encoding",
          post_head("/a", "Connection: close, Transfer-Encoding\r\n" + chunked) + chunked_body,
          {{"POST", "/a", smuggled}}),
  };
}

INSTANTIATE_TEST_SUITE_P(request, smuggling_connection_listed,
                         testing::ValuesIn(connection_listed_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// --- Upstream responses ---------------------------------------------------------------

struct response_case {
  const char* name;
  scripted_response response;  ///< the upstream's answer to GET /r
  int status;                  ///< what the client gets: 200 or 502
  std::string body;            ///< for 200, the body the client gets
  bool may_reuse;              ///< the upstream connection may serve the next request
};

void PrintTo(const response_case& c, std::ostream* out) {
  *out << c.name;
}

class smuggling_upstream_response : public recorded_proxy,
                                    public testing::WithParamInterface<response_case> {};

TEST_P(smuggling_upstream_response, is_framed_or_refused_and_never_desyncs) {
  const auto& c = GetParam();
  const auto base = warm_pool();
  upstream.respond("/r", c.response);
  http_client client(port(), std::chrono::seconds(3));
  ASSERT_TRUE(client.send(get_text("/r")));
  auto response = client.read_response(false, std::chrono::seconds(4));
  ASSERT_EQ(response.status, c.status) << response.error << "\n" << upstream.describe();
  if (c.status == 200) {
    EXPECT_EQ(printable(response.body), printable(c.body));
    // Framed by the proxy: the client needs no close to find the end.
    const bool framed = response.header("Content-Length") == std::to_string(c.body.size()) ||
                        response.header("Transfer-Encoding") == "chunked";
    EXPECT_TRUE(framed) << "the response reached the client without its framing";
  } else {
    EXPECT_LT(response.body.size(), 200U) << "the proxy's own short body";
  }
  EXPECT_TRUE(response.keep_alive) << "the client's request stream is intact";
  EXPECT_TRUE(answered_itself(client, "/after")) << "the next request on the same connection";
  ASSERT_TRUE(upstream_saw(base, {{"GET", "/r", ""}, {"GET", "/after", ""}}));
  const auto all = upstream.requests();
  const auto& r = all[base];
  const auto& next = all[base + 1];
  if (!c.may_reuse) {
    EXPECT_NE(next.connection, r.connection)
        << "the upstream connection was reused after its framing broke\n"
        << upstream.describe();
  }
}

const std::string ok_head = "HTTP/1.1 200 OK\r\n";

std::vector<response_case> response_cases() {
  const std::string second = default_response("/smuggled-response");
  return {
      // Connection naming a framing header removes nothing.
      {"connection_names_content_length",
       ok_head + "Connection: Content-Length\r\nContent-Length: 5\r\n\r\nhello", 200, "hello",
       true},
      {"connection_names_content_length_uppercase",
       ok_head + "Connection: CONTENT-LENGTH\r\nContent-Length: 5\r\n\r\nhello", 200, "hello",
       true},
      {"connection_names_transfer_encoding",
       ok_head + "Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n0\r\n\r\n",
       200, "hello", true},
      {"connection_close_and_content_length",
       {ok_head + "Connection: close, Content-Length\r\nContent-Length: 5\r\n\r\nhello", true},
       200,
       "hello",
       false},
      // Ambiguous or invalid framing: 502, and the connection is dropped.
      {"content_length_and_transfer_encoding",
       ok_head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + second, 502,
       "", false},
      {"transfer_encoding_and_content_length",
       ok_head + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
       502, "", false},
      {"two_equal_content_lengths", ok_head + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
       502, "", false},
      {"two_different_content_lengths",
       ok_head + "Content-Length: 5\r\nContent-Length: 2\r\n\r\nhello", 502, "", false},
      {"content_length_list", ok_head + "Content-Length: 5, 5\r\n\r\nhello", 502, "", false},
      {"content_length_not_a_number", ok_head + "Content-Length: 5x\r\n\r\nhello", 502, "", false},
      {"content_length_negative", ok_head + "Content-Length: -5\r\n\r\nhello", 502, "", false},
      {"transfer_encoding_gzip", ok_head + "Transfer-Encoding: gzip\r\n\r\nhello", 502, "", false},
      {"transfer_encoding_gzip_chunked",
       ok_head + "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 502, "", false},
      {"transfer_encoding_xchunked",
       ok_head + "Transfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 502, "", false},
      {"transfer_encoding_chunked_identity",
       ok_head + "Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 502, "",
       false},
      {"obs_fold_in_the_head", ok_head + "X-A: a\r\n b\r\nContent-Length: 5\r\n\r\nhello", 502, "",
       false},
      {"nul_in_the_head", ok_head + "X-A: a\0b\r\nContent-Length: 5\r\n\r\nhello"s, 502, "", false},
      // Bad chunk framing before anything reached the client: 502.
      {"chunk_size_not_hex", ok_head + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
       502, "", false},
      {"chunk_size_overflow",
       ok_head + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\nhello\r\n0\r\n\r\n", 502,
       "", false},
      {"chunk_size_bare_lf", ok_head + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
       502, "", false},
      {"chunk_data_bare_lf", ok_head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n",
       502, "", false},
      {"last_chunk_bare_lf", ok_head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\n\r\n",
       502, "", false},
      {"chunk_data_longer_than_size",
       ok_head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", 502, "", false},
      // Bytes after a complete response: it is relayed, the connection is not reused.
      {"extra_bytes_after_a_content_length_body",
       ok_head + "Content-Length: 5\r\n\r\nhello" + second, 200, "hello", false},
      {"extra_bytes_after_a_chunked_body",
       ok_head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + second, 200, "hello",
       false},
  };
}

INSTANTIATE_TEST_SUITE_P(corpus, smuggling_upstream_response, testing::ValuesIn(response_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

class smuggling_response_timing : public recorded_proxy {};

TEST_F(smuggling_response_timing, bad_chunk_after_the_body_started_cuts_the_client_connection) {
  const auto base = warm_pool();
  upstream.respond("/r", scripted_response::in_parts(
                             {ok_head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
                              "zz\r\n" + default_response("/smuggled-response")}));
  http_client client(port(), std::chrono::seconds(3));
  ASSERT_TRUE(client.send(get_text("/r")));
  std::string body;
  // The rest of the response goes out only once the first chunk reached the client.
  auto response = client.read_response(false, std::chrono::seconds(4), [&](std::string_view part) {
    const bool first = body.empty();
    body.append(part);
    if (first) {
      upstream.release_part();
    }
  });
  EXPECT_EQ(response.status, 0) << "the truncated response was completed somehow";
  EXPECT_EQ(body, "hello");
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds(3)));
  EXPECT_TRUE(upstream_saw(base, {{"GET", "/r", ""}}));
  const auto all = upstream.requests();
  EXPECT_NE(all[base + 1].connection, all[base].connection)
      << "the upstream connection was reused after its framing broke";
}

TEST_F(smuggling_response_timing, bytes_arriving_after_a_relayed_response_retire_the_connection) {
  // The extra bytes reach the proxy only after the response was relayed and its
  // connection went back to the pool.
  const auto base = warm_pool();
  upstream.respond("/r", scripted_response::in_parts(
                             {default_response("/r"), default_response("/smuggled-response")}));
  http_client client(port(), std::chrono::seconds(3));
  ASSERT_TRUE(answered_itself(client, "/r"));
  upstream.release_part();
  ASSERT_TRUE(eventually([&] { return upstream.released_parts_written() == 1; },
                         std::chrono::seconds(3), "the extra bytes written"));
  EXPECT_TRUE(answered_itself(client, "/after"));
  ASSERT_TRUE(upstream_saw(base, {{"GET", "/r", ""}, {"GET", "/after", ""}}));
  const auto all = upstream.requests();
  EXPECT_NE(all[base + 1].connection, all[base].connection) << upstream.describe();
}

TEST_F(smuggling_response_timing, connection_named_content_length_keeps_two_clients_apart) {
  // The response-side desync: an upstream answer whose framing the proxy dropped
  // would leave the client reading into the next response.
  const auto base = warm_pool();
  upstream.respond("/a", ok_head + "Connection: Content-Length\r\nContent-Length: 2\r\n\r\nok");
  http_client first(port(), std::chrono::seconds(3));
  ASSERT_TRUE(first.send(get_text("/a")));
  auto response = first.read_response(false, std::chrono::seconds(4));
  EXPECT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.body, "ok");
  EXPECT_TRUE(answered_itself(first, "/a-next"));
  EXPECT_TRUE(answered_itself("/b"));
  EXPECT_TRUE(answered_itself(first, "/a-last"));
  EXPECT_TRUE(upstream_saw(
      base,
      {{"GET", "/a", ""}, {"GET", "/a-next", ""}, {"GET", "/b", ""}, {"GET", "/a-last", ""}}));
}

}  // namespace
}  // namespace quikedge::test
