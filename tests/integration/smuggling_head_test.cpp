// Request smuggling corpus, message heads: bare LF and bare CR line endings, obs-fold,
// NUL and control bytes, request-line versions (HTTP/0.9, 2.0, ...), Host rules,
// absolute-form targets, and pipelined requests behind a refused one, which must never
// reach the upstream. Each case checks the status, the client connection's fate and the
// exact requests a strict recording upstream parsed (see recording_upstream.hpp).
#include <gtest/gtest.h>

#include "support/recording_upstream.hpp"

namespace quikedge::test {
namespace {

using namespace std::string_literals;

class smuggling_head : public recorded_proxy, public testing::WithParamInterface<request_case> {};

TEST_P(smuggling_head, status_connection_and_upstream_requests) {
  expect_case(GetParam());
}

/// GET /a with `fields` (complete lines) after Host, then `after` pipelined.
std::string get_with(std::string_view fields, std::string_view after = {}) {
  return "GET /a HTTP/1.1\r\nHost: h.example\r\n" + std::string(fields) + "\r\n" +
         std::string(after);
}

const std::string after = get_text("/after");

std::vector<request_case> line_ending_cases() {
  return {
      refused("request_line_bare_lf", "GET /a HTTP/1.1\nHost: h.example\r\n\r\n" + after),
      refused("header_line_bare_lf", "GET /a HTTP/1.1\r\nHost: h.example\nX-A: b\r\n\r\n" + after),
      refused("head_ends_in_lf_lf", "GET /a HTTP/1.1\r\nHost: h.example\n\n" + after),
      refused("head_ends_in_lf_crlf", "GET /a HTTP/1.1\r\nHost: h.example\n\r\n" + after),
      refused("head_all_bare_lf", "GET /a HTTP/1.1\nHost: h.example\n\n" + after),
      refused("bare_cr_in_a_value", get_with("X-A: a\rb\r\n", after)),
      refused("bare_cr_ending_a_line", get_with("X-A: a\rX-B: b\r\n", after)),
      refused("bare_cr_in_a_name", get_with("X\rA: b\r\n", after)),
      refused("bare_cr_ending_the_request_line", "GET /a HTTP/1.1\rHost: h.example\r\n\r\n"),
      refused("cr_cr_lf", get_with("X-A: a\r\r\n", after)),
      // RFC 9112 2.2: empty lines before the request line are ignored.
      forwarded("empty_line_before_the_request_line", "\r\n" + get_text("/a"), {{"GET", "/a", ""}}),
  };
}

INSTANTIATE_TEST_SUITE_P(line_endings, smuggling_head, testing::ValuesIn(line_ending_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

std::vector<request_case> field_cases() {
  return {
      refused("obs_fold_space", get_with("X-A: a\r\n b\r\n", after)),
      refused("obs_fold_tab", get_with("X-A: a\r\n\tb\r\n", after)),
      refused("obs_fold_right_after_the_request_line",
              "GET /a HTTP/1.1\r\n X-A: a\r\nHost: h.example\r\n\r\n" + after),
      refused("nul_in_a_value", get_with("X-A: a\0b\r\n"s, after)),
      refused("nul_in_a_name", get_with("X-\0A: b\r\n"s, after)),
      refused("nul_in_the_target", "GET /a\0b HTTP/1.1\r\nHost: h.example\r\n\r\n"s + after),
      refused("nul_in_the_method", "GE\0T /a HTTP/1.1\r\nHost: h.example\r\n\r\n"s + after),
      refused("control_byte_in_a_value", get_with("X-A: a\x01"
                                                  "b\r\n",
                                                  after)),
      refused("escape_in_a_value", get_with("X-A: a\x1b[0m\r\n", after)),
      refused("del_in_a_value", get_with("X-A: a\x7f\r\n", after)),
      refused("del_in_a_name", get_with("X-A\x7f: b\r\n", after)),
      refused("space_in_a_name", get_with("X A: b\r\n", after)),
      refused("space_before_the_colon", get_with("X-A : b\r\n", after)),
      refused("empty_name", get_with(": b\r\n", after)),
      refused("no_colon", get_with("X-A b\r\n", after)),
      refused("control_byte_in_the_target", "GET /a\x01 HTTP/1.1\r\nHost: h.example\r\n\r\n"),
      refused("space_in_the_target", "GET /a b HTTP/1.1\r\nHost: h.example\r\n\r\n"),
      // obs-text is allowed in field values.
      forwarded("obs_text_in_a_value", get_with("X-A: caf\xc3\xa9\r\n"), {{"GET", "/a", ""}}),
  };
}

INSTANTIATE_TEST_SUITE_P(fields, smuggling_head, testing::ValuesIn(field_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

std::vector<request_case> request_line_cases() {
  const std::string host = "Host: h.example\r\n\r\n";
  return {
      refused("http09_request_line", "GET /nine\r\n\r\n" + after),
      refused("request_line_without_version", "GET /a\r\n" + host + after),
      refused("http2_version", "GET /a HTTP/2.0\r\n" + host + after, {400, 505}),
      refused("http3_version", "GET /a HTTP/3.0\r\n" + host + after, {400, 505}),
      refused("lowercase_version", "GET /a http/1.1\r\n" + host + after),
      refused("version_1_10", "GET /a HTTP/1.10\r\n" + host + after),
      refused("version_1_2", "GET /a HTTP/1.2\r\n" + host + after, {400, 505}),
      refused("version_without_minor", "GET /a HTTP/1\r\n" + host + after),
      refused("version_with_leading_zero", "GET /a HTTP/01.1\r\n" + host + after),
      refused("space_after_the_version", "GET /a HTTP/1.1 \r\n" + host + after),
      refused("two_spaces_after_the_method", "GET  /a HTTP/1.1\r\n" + host + after),
      refused("tab_as_separator", "GET\t/a HTTP/1.1\r\n" + host + after),
      refused("space_before_the_method", " GET /a HTTP/1.1\r\n" + host + after),
      refused("garbage_request_line", "GARBAGE\r\n\r\n" + after),
      forwarded("http10_without_host_may_pass", "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                {{"GET", "/a", "", std::nullopt}}),
      forwarded_then_closed("http10_without_keep_alive_is_closed_after", "GET /a HTTP/1.0\r\n\r\n",
                            {{"GET", "/a", "", std::nullopt}}),
  };
}

INSTANTIATE_TEST_SUITE_P(request_line, smuggling_head, testing::ValuesIn(request_line_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

std::vector<request_case> host_cases() {
  return {
      // RFC 9112 3.2: an HTTP/1.1 request without Host, or with more than one, is 400.
      refused("missing_host", "GET /a HTTP/1.1\r\n\r\n" + after),
      refused("missing_host_with_a_body", "POST /a HTTP/1.1\r\nContent-Length: " +
                                              std::to_string(after.size()) + "\r\n\r\n" + after),
      refused("two_equal_hosts", get_with("Host: h.example\r\n", after)),
      refused("two_different_hosts", get_with("Host: evil.example\r\n", after)),
      refused("host_with_space_before_the_colon",
              "GET /a HTTP/1.1\r\nHost : evil.example\r\nHost: h.example\r\n\r\n" + after),
      // Absolute form: forwarded in origin form, with the target's authority as Host.
      forwarded("absolute_form", "GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n",
                {{"GET", "/x", "", "a.example"}}),
      forwarded("absolute_form_host_differs",
                "GET http://a.example/x HTTP/1.1\r\nHost: b.example\r\n\r\n",
                {{"GET", "/x", "", "a.example"}}),
      forwarded("absolute_form_with_port_and_query",
                "GET http://a.example:8080/x?q=1 HTTP/1.1\r\nHost: a.example:8080\r\n\r\n",
                {{"GET", "/x?q=1", "", "a.example:8080"}}),
      forwarded("absolute_form_without_path",
                "GET http://a.example HTTP/1.1\r\nHost: a.example\r\n\r\n",
                {{"GET", "/", "", "a.example"}}),
      refused("absolute_form_without_host_header",
              "GET http://a.example/x HTTP/1.1\r\n\r\n" + after),
  };
}

INSTANTIATE_TEST_SUITE_P(host, smuggling_head, testing::ValuesIn(host_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

std::vector<request_case> pipelined_cases() {
  // Whatever follows a refused request in the same packet is never forwarded.
  const std::string smuggled = smuggled_request();
  return {
      refused("after_garbage", "GARBAGE\r\n\r\n" + smuggled),
      refused("after_a_missing_host", "GET /a HTTP/1.1\r\n\r\n" + smuggled),
      refused("after_a_bare_lf_head", "GET /a HTTP/1.1\nHost: h.example\n\n" + smuggled),
      refused("after_obs_fold", get_with("X-A: a\r\n b\r\n", smuggled)),
      refused("after_a_bad_version", "GET /a HTTP/1.2\r\nHost: h.example\r\n\r\n" + smuggled,
              {400, 505}),
      refused("after_cl_te",
              post_head("/a", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") + "0\r\n\r\n" +
                  smuggled),
      refused("after_a_bad_chunk", post_head("/a", "Transfer-Encoding: chunked\r\n") +
                                       "5\nhello\r\n0\r\n\r\n" + smuggled),
      refused("after_a_bad_content_length",
              post_head("/a", "Content-Length: 5\r\nContent-Length: 6\r\n") + "hello!" + smuggled),
      refused("after_an_unknown_coding",
              post_head("/a", "Transfer-Encoding: gzip, chunked\r\n") + "0\r\n\r\n" + smuggled,
              {501}),
  };
}

INSTANTIATE_TEST_SUITE_P(pipelined, smuggling_head, testing::ValuesIn(pipelined_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace quikedge::test
