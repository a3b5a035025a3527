// Request smuggling corpus, body framing: CL.TE, TE.CL, TE.TE and obfuscated
// Transfer-Encoding, Content-Length forms, chunk sizes, extensions and trailers, bare
// LF/CR in chunk lines. Each case checks the status, the client connection's fate and
// the exact requests a strict recording upstream parsed (see recording_upstream.hpp).
#include <gtest/gtest.h>

#include "support/recording_upstream.hpp"

namespace quikedge::test {
namespace {

using namespace std::string_literals;

class smuggling_framing : public recorded_proxy,
                          public testing::WithParamInterface<request_case> {};

TEST_P(smuggling_framing, status_connection_and_upstream_requests) {
  expect_case(GetParam());
}

std::string length_field(std::string_view body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n";
}

const char* const te_chunked = "Transfer-Encoding: chunked\r\n";

/// Chunked POST /a whose Transfer-Encoding line is `te_line`, carrying the smuggled
/// request as its one chunk; `after` is pipelined behind it.
std::string chunked_post(std::string_view te_line, std::string_view after = {}) {
  return post_head("/a", te_line) + chunk(smuggled_request()) + "0\r\n\r\n" + std::string(after);
}

std::vector<request_case> transfer_encoding_cases() {
  const std::string smuggled = smuggled_request();
  const std::string chunked_body = chunk(smuggled) + "0\r\n\r\n";
  const std::string after = get_text("/after");
  return {
      // CL.TE: a front end using Content-Length forwards it all, a back end using
      // chunked ends at 0 and reads the smuggled request as the next one.
      refused("cl_te", post_head("/a", length_field("0\r\n\r\n" + smuggled) + te_chunked) +
                           "0\r\n\r\n" + smuggled),
      // TE.CL: the other way round.
      refused("te_cl", post_head("/a", te_chunked + std::string("Content-Length: 4\r\n")) +
                           chunked_body + after),
      refused("te_te_chunked_and_other",
              post_head("/a", te_chunked + std::string("Transfer-Encoding: x\r\n")) + chunked_body),
      refused("te_te_both_chunked",
              post_head("/a", te_chunked + std::string(te_chunked)) + chunked_body),
      refused("te_te_other_then_chunked",
              post_head("/a", "Transfer-Encoding: identity\r\n" + std::string(te_chunked)) +
                  chunked_body),
      refused("te_space_before_colon", chunked_post("Transfer-Encoding : chunked\r\n", after)),
      refused("te_space_before_colon_with_cl",
              post_head("/a", "Transfer-Encoding : chunked\r\n" + length_field(chunked_body)) +
                  chunked_body),
      refused("te_xchunked", chunked_post("Transfer-Encoding: xchunked\r\n", after)),
      refused("te_xchunked_with_cl",
              post_head("/a", "Transfer-Encoding: xchunked\r\n" + length_field(chunked_body)) +
                  chunked_body),
      refused("te_chunked_vertical_tab", chunked_post("Transfer-Encoding: chunked\x0b\r\n", after)),
      refused("te_chunked_vertical_tab_with_cl",
              post_head("/a", "Transfer-Encoding: chunked\x0b\r\n" + length_field(chunked_body)) +
                  chunked_body),
      refused("te_chunked_identity", chunked_post("Transfer-Encoding: chunked, identity\r\n")),
      refused("te_identity", chunked_post("Transfer-Encoding: identity\r\n")),
      refused("te_quoted", chunked_post("Transfer-Encoding: \"chunked\"\r\n")),
      refused("te_empty", chunked_post("Transfer-Encoding: \r\n")),
      refused("te_obs_fold", chunked_post("Transfer-Encoding:\r\n chunked\r\n", after)),
      refused("te_gzip_chunked_is_not_implemented",
              chunked_post("Transfer-Encoding: gzip, chunked\r\n"), {501}),
      refused("te_chunked_twice_in_one_list",
              chunked_post("Transfer-Encoding: chunked, chunked\r\n"), {400, 501}),
      refused("te_in_http10", "POST /a HTTP/1.0\r\nHost: h.example\r\n" + std::string(te_chunked) +
                                  "\r\n" + chunked_body),
      refused("te_and_cl_both_named_in_connection",
              post_head("/a", "Connection: Transfer-Encoding, Content-Length\r\n" +
                                  std::string(te_chunked) + length_field(chunked_body)) +
                  chunked_body),
      // The same message in forms RFC 9110 allows: one request, its body, nothing more.
      forwarded("te_tab_before_value", chunked_post("Transfer-Encoding:\tchunked\r\n"),
                {{"POST", "/a", smuggled}}),
      forwarded("te_uppercase", chunked_post("Transfer-Encoding: CHUNKED\r\n"),
                {{"POST", "/a", smuggled}}),
      forwarded("te_trailing_whitespace", chunked_post("Transfer-Encoding: chunked \t\r\n"),
                {{"POST", "/a", smuggled}}),
  };
}

INSTANTIATE_TEST_SUITE_P(transfer_encoding, smuggling_framing,
                         testing::ValuesIn(transfer_encoding_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

std::vector<request_case> chunked_cases() {
  const std::string after = get_text("/after");
  auto post = [](std::string_view body) { return post_head("/a", te_chunked) + std::string(body); };
  const std::string big(65537, 'b');
  std::string many_chunks;
  for (int i = 0; i < 17; ++i) {
    many_chunks += chunk(std::string(4096, static_cast<char>('a' + i)));
  }
  return {
      forwarded("chunked_one_chunk", post("5\r\nhello\r\n0\r\n\r\n"), {{"POST", "/a", "hello"}}),
      forwarded("chunked_several_chunks", post("3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"),
                {{"POST", "/a", "hello"}}),
      forwarded("chunked_empty_body", post("0\r\n\r\n"), {{"POST", "/a", ""}}),
      forwarded("chunked_uppercase_hex", post("A\r\n0123456789\r\n0\r\n\r\n"),
                {{"POST", "/a", "0123456789"}}),
      forwarded("chunked_body_holding_a_request", post(chunk(smuggled_request()) + "0\r\n\r\n"),
                {{"POST", "/a", smuggled_request()}}),
      // The proxy writes its own chunk lines: no leading zeros, no extensions, no trailers.
      forwarded("chunk_size_leading_zeros", post("005\r\nhello\r\n0000\r\n\r\n"),
                {{"POST", "/a", "hello"}}),
      forwarded("chunk_extensions_are_dropped", post("5;name=value\r\nhello\r\n0;last\r\n\r\n"),
                {{"POST", "/a", "hello"}}),
      forwarded("chunk_extension_quoted", post("5 ; a=\"x;y\"\r\nhello\r\n0\r\n\r\n"),
                {{"POST", "/a", "hello"}}),
      forwarded("trailers_are_dropped",
                post("5\r\nhello\r\n0\r\nX-Trailer: t\r\nX-Other: o\r\n\r\n"),
                {{"POST", "/a", "hello"}}),
      forwarded("trailer_naming_a_framing_header_is_dropped",
                post("5\r\nhello\r\n0\r\nContent-Length: 99\r\n\r\n"), {{"POST", "/a", "hello"}}),
      // Chunk lines end in CRLF, nothing else.
      refused("chunk_size_bare_lf", post("5\nhello\r\n0\r\n\r\n" + after)),
      refused("chunk_data_bare_lf", post("5\r\nhello\n0\r\n\r\n" + after)),
      refused("last_chunk_bare_lf", post("5\r\nhello\r\n0\n\r\n" + after)),
      refused("final_line_bare_lf", post("5\r\nhello\r\n0\r\n\n" + after)),
      refused("chunk_extension_bare_lf", post("5;a\nhello\r\n0\r\n\r\n" + after)),
      refused("trailer_bare_lf", post("5\r\nhello\r\n0\r\nX-T: 1\n\r\n" + after)),
      refused("chunk_size_bare_cr", post("5\rhello\r\n0\r\n\r\n" + after)),
      refused("chunk_data_bare_cr", post("5\r\nhello\r0\r\n\r\n" + after)),
      refused("chunk_extension_bare_cr", post("5;a\rb\r\nhello\r\n0\r\n\r\n" + after)),
      // Sizes.
      refused("chunk_size_over_64_bits", post("ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n")),
      refused("chunk_size_2_pow_64", post("10000000000000000\r\nhello\r\n0\r\n\r\n")),
      refused("chunk_size_0x", post("0x5\r\nhello\r\n0\r\n\r\n")),
      refused("chunk_size_negative", post("-5\r\nhello\r\n0\r\n\r\n")),
      refused("chunk_size_leading_space", post(" 5\r\nhello\r\n0\r\n\r\n")),
      refused("chunk_size_missing", post(";a=b\r\nhello\r\n0\r\n\r\n")),
      refused("chunk_data_longer_than_size", post("5\r\nhelloX\r\n0\r\n\r\n" + after)),
      refused("chunk_data_shorter_than_size", post("5\r\nhel\r\n0\r\n\r\n" + after)),
      // A declared chunk far beyond max_request_body_bytes (64 KiB here) is refused as
      // soon as its size line is read, not after the body limit is crossed by data.
      refused("chunk_size_far_over_the_body_limit", post("ffffffffffffff\r\nhello"), {413}),
      refused("one_chunk_over_the_body_limit", post(chunk(big) + "0\r\n\r\n"), {413}),
      // Small chunks that cross the limit only together: the upstream may get the start,
      // never a completed request (no last chunk written on its behalf).
      refused_while_streaming("chunks_over_the_body_limit", post(many_chunks + "0\r\n\r\n"), {413}),
      // Trailers are validated like header fields.
      refused("trailer_without_colon", post("5\r\nhello\r\n0\r\nnot a field\r\n\r\n" + after)),
      refused("trailer_with_nul", post("5\r\nhello\r\n0\r\nX-T: a\0b\r\n\r\n"s)),
      refused("trailer_obs_fold", post("5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n" + after)),
  };
}

INSTANTIATE_TEST_SUITE_P(chunked, smuggling_framing, testing::ValuesIn(chunked_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

std::vector<request_case> content_length_cases() {
  const std::string smuggled = smuggled_request();
  const std::string after = get_text("/after");
  auto post = [](std::string_view fields, std::string_view body) {
    return post_head("/a", fields) + std::string(body);
  };
  return {
      forwarded("cl_simple", post("Content-Length: 5\r\n", "hello"), {{"POST", "/a", "hello"}}),
      forwarded("cl_body_holding_a_request", post(length_field(smuggled), smuggled),
                {{"POST", "/a", smuggled}}),
      forwarded("cl_on_a_get",
                "GET /g HTTP/1.1\r\nHost: h.example\r\nContent-Length: 5\r\n\r\nhello",
                {{"GET", "/g", "hello"}}),
      forwarded("cl_zero", post("Content-Length: 0\r\n", ""), {{"POST", "/a", ""}}),
      // The proxy writes its own Content-Length from the value it parsed.
      forwarded("cl_leading_zeros", post("Content-Length: 005\r\n", "hello"),
                {{"POST", "/a", "hello"}}),
      forwarded("cl_surrounding_whitespace", post("Content-Length: \t5 \r\n", "hello"),
                {{"POST", "/a", "hello"}}),
      refused("cl_two_different", post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!")),
      refused("cl_two_equal", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello")),
      refused("cl_list", post("Content-Length: 5, 5\r\n", "hello")),
      refused("cl_negative", post("Content-Length: -1\r\n", "")),
      refused("cl_plus", post("Content-Length: +5\r\n", "hello")),
      refused("cl_hex", post("Content-Length: 0x5\r\n", "hello")),
      refused("cl_empty", post("Content-Length: \r\n", "hello")),
      refused("cl_space_inside", post("Content-Length: 1 0\r\n", "0123456789")),
      refused("cl_space_before_colon", post("Content-Length : 5\r\n", "hello" + after)),
      refused("cl_over_64_bits", post("Content-Length: 99999999999999999999\r\n", "hello")),
      refused("cl_2_pow_64", post("Content-Length: 18446744073709551616\r\n", "hello")),
      refused("cl_huge", post("Content-Length: 999999999999999999\r\n", "hello"), {413}),
      refused("cl_over_the_body_limit", post("Content-Length: 65537\r\n", "hello"), {413}),
      refused("cl_obs_fold", post("Content-Length:\r\n 5\r\n", "hello" + after)),
  };
}

INSTANTIATE_TEST_SUITE_P(content_length, smuggling_framing,
                         testing::ValuesIn(content_length_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

class smuggling_streamed_body : public recorded_proxy {
 protected:
  std::size_t received_total() {
    std::size_t total = 0;
    for (const auto& connection : upstream.connections()) {
      total += connection.received.size();
    }
    return total;
  }
};

TEST_F(smuggling_streamed_body, a_bad_chunk_after_part_of_the_body_flowed_never_completes_it) {
  const auto base = warm_pool();
  const auto before = received_total();
  http_client client(port(), std::chrono::seconds(3));
  ASSERT_TRUE(client.send(post_head("/a", te_chunked) + chunk(std::string(4096, 'x'))));
  ASSERT_TRUE(eventually([&] { return received_total() >= before + 4096; }, std::chrono::seconds(3),
                         "the first chunk reaching the upstream"))
      << upstream.describe();
  ASSERT_TRUE(client.send("5\nhello\r\n0\r\n\r\n" + smuggled_request()));
  auto response = client.read_response(false, std::chrono::seconds(4));
  EXPECT_EQ(response.status, 400) << response.error;
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds(3)));
  EXPECT_TRUE(upstream_saw(base, {}, true));
}

TEST_F(smuggling_streamed_body, a_body_cut_by_the_client_never_completes_it) {
  const auto base = warm_pool();
  const auto before = received_total();
  {
    http_client client(port(), std::chrono::seconds(3));
    ASSERT_TRUE(client.send(post_head("/a", te_chunked) + chunk(std::string(4096, 'x'))));
    ASSERT_TRUE(eventually([&] { return received_total() >= before + 4096; },
                           std::chrono::seconds(3), "the first chunk reaching the upstream"))
        << upstream.describe();
  }  // the client goes away in the middle of the body
  EXPECT_TRUE(upstream_saw(base, {}, true));
}

}  // namespace
}  // namespace quikedge::test
