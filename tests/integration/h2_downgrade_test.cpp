// HTTP/2 to HTTP/1.1 downgrade, from an attacker's side: header lists and bodies that
// a client with its own validation off sends over h2c (prior knowledge) or h2 (TLS,
// ALPN), against one quikedge whose only stack is a strict recording upstream (see
// recording_upstream.hpp). Each case checks what the client got (RST_STREAM, the
// proxy's own status, or the upstream's answer), that the connection still serves a
// follow-up stream, and exactly which requests the upstream parsed, with the head of a
// forwarded request compared byte for byte (its X-Request-Id value aside).
// The client is tests/integration/h2_downgrade_client.py.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/child_process.hpp"
#include "support/recording_upstream.hpp"
#include "support/test_certificates.hpp"

namespace quikedge::test {
namespace {

using namespace std::string_literals;

using field_list = std::vector<std::pair<std::string, std::string>>;

/// RFC 9113 error codes.
constexpr int protocol_error = 1;
constexpr int cancel = 8;

/// What the client sends on the one stream of a case.
struct stream_spec {
  field_list headers;
  std::vector<std::string> data;  ///< DATA payloads, in order
  bool end_stream = true;         ///< END_STREAM on the last frame
  std::optional<field_list> trailers;
  std::optional<int> reset;  ///< RST_STREAM from the client after its frames
  /// Bytes of 'x' sent as DATA first; the client then waits for the proxy's
  /// WINDOW_UPDATE, i.e. until they were written upstream, before the rest.
  std::size_t filler = 0;
};

struct h2_case {
  const char* name;
  stream_spec stream;
  /// 0: the proxy resets the stream with `reset_code` and answers nothing;
  /// -1: the client resets it itself; else the status the client gets.
  int status;
  std::vector<expected_request> upstream;  ///< what the upstream parses for the stream
  /// For a forwarded request: its head as the upstream must receive it, with
  /// ${proto} for X-Forwarded-Proto and `*` as the X-Request-Id value. Empty: unchecked.
  std::string head;
  /// The upstream may hold the start of a request the stream's reset cut short;
  /// that connection must then be closed.
  bool partial_upstream_ok = false;
  int reset_code = protocol_error;
  /// The upstream must hold `head` and part of the body on a connection the proxy
  /// then closed (a stream cut after its head and filler went upstream).
  bool expect_cut_request = false;
};

void PrintTo(const h2_case& c, std::ostream* out) {
  *out << c.name;
}

/// A request's header list: the four pseudo-headers, then `extra`.
field_list request(std::string method, std::string path, field_list extra = {},
                   std::string authority = "h.example") {
  field_list list = {{":method", std::move(method)},
                     {":scheme", "http"},
                     {":path", std::move(path)},
                     {":authority", std::move(authority)}};
  list.insert(list.end(), extra.begin(), extra.end());
  return list;
}
field_list get(std::string path, field_list extra = {}) {
  return request("GET", std::move(path), std::move(extra));
}
field_list post(field_list extra = {}) {
  return request("POST", "/p", std::move(extra));
}

stream_spec headers_only(field_list headers) {
  return {std::move(headers), {}, true, std::nullopt, std::nullopt};
}
stream_spec with_data(field_list headers, std::vector<std::string> data) {
  return {std::move(headers), std::move(data), true, std::nullopt, std::nullopt};
}

/// The head the proxy writes for `request_line` ("GET /a HTTP/1.1") with Host
/// `host`, then the client's `fields` (complete lines), then its own fields and
/// `framing` (a complete line or nothing).
std::string head(std::string request_line, std::string fields = {}, std::string framing = {},
                 std::string host = "h.example") {
  return request_line + "\r\nHost: " + host + "\r\n" + fields +
         "X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: ${proto}\r\nX-Request-Id: *\r\n" +
         framing + "\r\n";
}

h2_case reset(const char* name, stream_spec s) {
  return {name, std::move(s), 0, {}, {}};
}
h2_case answered(const char* name, stream_spec s, int status) {
  return {name, std::move(s), status, {}, {}};
}
h2_case forwarded(const char* name, stream_spec s, expected_request upstream,
                  std::string exact_head) {
  return {name, std::move(s), 200, {std::move(upstream)}, std::move(exact_head)};
}
/// Reset by the proxy after the request went upstream: the upstream may have part of it.
h2_case reset_while_streaming(const char* name, stream_spec s) {
  h2_case c{name, std::move(s), 0, {}, {}};
  c.partial_upstream_ok = true;
  return c;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

boost::json::array hex_fields(const field_list& list) {
  boost::json::array out;
  for (const auto& [name, value] : list) {
    out.push_back(
        boost::json::array{boost::json::string(hex(name)), boost::json::string(hex(value))});
  }
  return out;
}

std::string case_json(const stream_spec& s) {
  boost::json::object stream;
  stream["headers"] = hex_fields(s.headers);
  if (!s.data.empty()) {
    boost::json::array data;
    for (const auto& d : s.data) {
      data.push_back(boost::json::string(hex(d)));
    }
    stream["data"] = std::move(data);
  }
  stream["end_stream"] = s.end_stream;
  if (s.trailers) {
    stream["trailers"] = hex_fields(*s.trailers);
  }
  if (s.reset) {
    stream["reset"] = *s.reset;
  }
  if (s.filler > 0) {
    stream["filler"] = s.filler;
  }
  boost::json::object root;
  root["streams"] = boost::json::array{std::move(stream)};
  return boost::json::serialize(root);
}

/// The head of `raw` (through the blank line) with the X-Request-Id value as `*`.
std::string normalized_head(std::string_view raw) {
  std::string h(raw.substr(0, raw.find("\r\n\r\n") + 4));
  static constexpr std::string_view marker = "\r\nX-Request-Id: ";
  if (const auto at = h.find(marker); at != std::string::npos) {
    const auto value = at + marker.size();
    h.replace(value, h.find("\r\n", value) - value, "*");
  }
  return h;
}

std::string string_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::int64_t int_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : -1;
}
bool bool_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}
const boost::json::object& object_of(const boost::json::object& o, std::string_view key) {
  static const boost::json::object empty;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->as_object() : empty;
}

/// One quikedge (one worker, so every stream shares one upstream pool; the
/// smuggling tests' timeouts, a 1 MiB body limit) with `http2: true`, in front of
/// a recording upstream.
class h2_downgrade_fixture : public testing::Test {
 protected:
  /// More keys of the listener (TLS), each line indented by 4.
  virtual std::string listener_extra() { return {}; }
  /// More arguments of the client (TLS).
  virtual std::vector<std::string> client_args() { return {}; }
  [[nodiscard]] virtual std::string proto() const { return "http"; }

  void start_proxy() {
    proxy_config config;
    config.workers = 1;
    config.stacks = {{"origin", {upstream.address()}, 100}};
    config.listener_extra = "    http2: true\n" + listener_extra();
    config.top_level_extra =
        "timeouts: { connect: 1s, request_header: 2s, idle: 3s, upstream_response: 3s }\n"
        "limits: { max_request_body_bytes: 1048576 }\n";
    ASSERT_TRUE(proxy.start(config));
  }

  boost::json::object run_client(const h2_case& c) {
    std::vector<std::string> argv = {
        "/usr/bin/python3", source_path("tests/integration/h2_downgrade_client.py"),
        "--port",           std::to_string(proxy.http_port()),
        "--case",           case_json(c.stream)};
    const auto extra = client_args();
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto result = run_command(argv, std::chrono::seconds(30));
    boost::system::error_code ec;
    auto value = boost::json::parse(result.out, ec);
    if (result.exit_status != 0 || ec || !value.is_object()) {
      ADD_FAILURE() << "h2_downgrade_client.py exited " << result.exit_status << "\n"
                    << result.out << result.err;
      return {};
    }
    return value.as_object();
  }

  /// An answer of the upstream's default kind: 200 with `target` as its body.
  static testing::AssertionResult answered_with_target(const boost::json::object& r,
                                                       std::string_view what,
                                                       std::string_view target) {
    if (int_of(r, "status") != 200 || string_of(r, "body") != target || !bool_of(r, "ended")) {
      return testing::AssertionFailure()
             << what << " was not answered 200 '" << target << "': " << boost::json::serialize(r);
    }
    return testing::AssertionSuccess();
  }

  /// Waits for the sentinel, then compares the requests parsed after `base` with
  /// /warm, `expected`, /follow-up (if `follow_up`) and /sentinel; checks their
  /// framing, that nothing failed to parse, and that every byte the upstream got
  /// belongs to a parsed request (with `partial_ok`: or to a connection since closed).
  testing::AssertionResult upstream_saw(std::size_t base, std::vector<expected_request> expected,
                                        bool follow_up, bool partial_ok) {
    if (auto seen = upstream.wait_for_target("/sentinel"); !seen) {
      return seen << "\n" << upstream.describe();
    }
    expected.insert(expected.begin(), {"GET", "/warm", ""});
    if (follow_up) {
      expected.push_back({"GET", "/follow-up", ""});
    }
    expected.push_back({"GET", "/sentinel", ""});
    const auto all = upstream.requests();
    const std::vector<recorded_request> got(all.begin() + static_cast<std::ptrdiff_t>(base),
                                            all.end());
    return requests_match(upstream, got, expected, partial_ok);
  }

  /// Some upstream connection was closed by the proxy holding a request cut short:
  /// exactly `expected_head`, then fewer body bytes than it announced (or no last chunk).
  testing::AssertionResult cut_request_seen(const std::string& expected_head) {
    const auto want = substitute(expected_head, {{"proto", proto()}});
    for (const auto& connection : upstream.connections()) {
      if (connection.peer_closed && !connection.unparsed.empty()) {
        if (normalized_head(connection.unparsed) == want) {
          return testing::AssertionSuccess();
        }
        return testing::AssertionFailure()
               << "the cut request's head is " << printable(normalized_head(connection.unparsed))
               << ", expected " << printable(want);
      }
    }
    return testing::AssertionFailure() << "no upstream connection was closed on a cut request";
  }

  /// Runs one case: the client's run, its stream's outcome, the connection's fate,
  /// the upstream's requests, and the exact head of a forwarded one.
  void expect_case(const h2_case& c) {
    const std::size_t base = upstream.request_count();
    const auto out = run_client(c);
    ASSERT_FALSE(out.empty());
    const auto text = boost::json::serialize(out);
    EXPECT_TRUE(answered_with_target(object_of(out, "warm"), "/warm", "/warm")) << text;
    const auto* streams = out.if_contains("streams");
    ASSERT_TRUE(streams != nullptr && streams->is_array() && streams->as_array().size() == 1)
        << text;
    const auto& s = streams->as_array().front().as_object();
    EXPECT_FALSE(bool_of(s, "timed_out")) << "the stream neither ended nor was reset: " << text;
    if (c.status == 0) {
      EXPECT_EQ(int_of(s, "status"), 0) << "answered instead of reset: " << text;
      EXPECT_EQ(int_of(s, "reset"), c.reset_code) << text;
    } else if (c.status > 0) {
      EXPECT_EQ(int_of(s, "status"), c.status) << text;
      EXPECT_TRUE(bool_of(s, "ended")) << text;
      if (c.status == 200 && !c.upstream.empty()) {
        EXPECT_EQ(printable(string_of(s, "body")), printable(c.upstream.front().target))
            << "the stream got another request's answer: " << text;
      }
    }
    // A stream error costs the connection nothing.
    EXPECT_TRUE(out.at("goaway").is_null()) << text;
    EXPECT_TRUE(answered_with_target(object_of(out, "follow_up"), "/follow-up", "/follow-up"))
        << text;
    EXPECT_TRUE(answered_with_target(object_of(out, "sentinel"), "/sentinel", "/sentinel")) << text;
    EXPECT_TRUE(upstream_saw(base, c.upstream, true, c.partial_upstream_ok));
    if (c.stream.filler > 0) {
      EXPECT_TRUE(bool_of(s, "window_update")) << "no WINDOW_UPDATE for the filler: " << text;
    }
    if (c.expect_cut_request) {
      EXPECT_TRUE(cut_request_seen(c.head)) << upstream.describe();
      return;
    }
    if (!c.head.empty() && upstream.request_count() > base + 1) {
      const auto forwarded = upstream.requests()[base + 1];
      EXPECT_EQ(printable(normalized_head(forwarded.raw)),
                printable(substitute(c.head, {{"proto", proto()}})))
          << "the head the upstream received";
    }
  }

  // The upstream is declared first, so the proxy stops before it.
  recording_upstream upstream;
  proxy_process proxy;
};

class h2_downgrade : public h2_downgrade_fixture, public testing::WithParamInterface<h2_case> {
 protected:
  void SetUp() override { start_proxy(); }
};

TEST_P(h2_downgrade, stream_outcome_and_upstream_requests) {
  expect_case(GetParam());
}

/// The same over TLS, h2 chosen by ALPN.
class h2_downgrade_tls : public h2_downgrade_fixture, public testing::WithParamInterface<h2_case> {
 protected:
  void SetUp() override {
    certs_ = make_temp_directory();
    ca_ = std::make_unique<test_ca>(certs_);
    pair_ = ca_->issue("app", "/CN=app.quikapp.test", {"app.quikapp.test"});
    start_proxy();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(certs_, ignored);
  }
  std::string listener_extra() override {
    return "    tls: { certificate: \"" + pair_.certificate.string() + "\", private_key: \"" +
           pair_.private_key.string() + "\" }\n";
  }
  std::vector<std::string> client_args() override {
    return {"--tls", "--ca", ca_->certificate().string(), "--server-name", "app.quikapp.test"};
  }
  [[nodiscard]] std::string proto() const override { return "https"; }

  std::filesystem::path certs_;
  std::unique_ptr<test_ca> ca_;
  certificate_files pair_;
};

TEST_P(h2_downgrade_tls, stream_outcome_and_upstream_requests) {
  expect_case(GetParam());
}

auto case_name = [](const auto& info) { return std::string(info.param.name); };

// :path. nghttp2 refuses controls and spaces in it; '#' and non-ASCII pass it and are
// refused by the proxy's own parser of the head it built.
std::vector<h2_case> path_cases() {
  return {
      reset("path_with_a_space", headers_only(get("/a b"))),
      reset("path_with_cr", headers_only(get("/a\rb"))),
      reset("path_with_lf", headers_only(get("/a\nb"))),
      reset("path_with_nul", headers_only(get("/a\0b"s))),
      reset("path_with_a_tab", headers_only(get("/a\tb"))),
      reset("path_injecting_a_request_line", headers_only(get("/a HTTP/1.1\r\nX: y"))),
      reset("path_injecting_a_header_without_spaces", headers_only(get("/a\r\nx:y"))),
      answered("path_with_a_fragment", headers_only(get("/a#b")), 400),
      answered("path_with_non_ascii", headers_only(get("/caf\xc3\xa9")), 400),
      reset("path_absolute_form", headers_only(get("http://evil.example/a"))),
      answered("path_absolute_form_with_another_scheme",
               headers_only({{":method", "GET"},
                             {":scheme", "foo"},
                             {":path", "http://evil.example/a"},
                             {":authority", "h.example"}}),
               400),
      reset("path_empty", headers_only(get(""))),
      reset("path_missing",
            headers_only({{":method", "GET"}, {":scheme", "http"}, {":authority", "h.example"}})),
      reset("path_asterisk_for_get", headers_only(get("*"))),
      forwarded("path_asterisk_for_options", headers_only(request("OPTIONS", "*")),
                {"OPTIONS", "*", ""}, head("OPTIONS * HTTP/1.1")),
      forwarded("path_starting_with_two_slashes", headers_only(get("//evil.example/a")),
                {"GET", "//evil.example/a", ""}, head("GET //evil.example/a HTTP/1.1")),
      forwarded("path_with_query", headers_only(get("/a?b=c&d")), {"GET", "/a?b=c&d", ""},
                head("GET /a?b=c&d HTTP/1.1")),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_path, h2_downgrade, testing::ValuesIn(path_cases()),
                         case_name);

// :method. nghttp2 takes any token; CONNECT (exactly) is the proxy's 501.
std::vector<h2_case> method_cases() {
  return {
      reset("method_with_a_space", headers_only(request("GET /x", "/a"))),
      reset("method_with_a_trailing_space", headers_only(request("GET ", "/a"))),
      reset("method_with_crlf", headers_only(request("GET\r\nX", "/a"))),
      reset("method_with_a_slash", headers_only(request("GE/T", "/a"))),
      reset("method_with_parentheses", headers_only(request("GE(T)", "/a"))),
      reset("method_empty", headers_only(request("", "/a"))),
      forwarded("method_lowercase", headers_only(request("get", "/a")), {"get", "/a", ""},
                head("get /a HTTP/1.1")),
      forwarded("method_unknown_token", headers_only(request("PURGE", "/a")), {"PURGE", "/a", ""},
                head("PURGE /a HTTP/1.1")),
      answered("method_connect",
               headers_only({{":method", "CONNECT"}, {":authority", "h.example:443"}}), 501),
      // nghttp2 and the proxy both match CONNECT case-sensitively: this is a method
      // like PURGE, in origin-form, not a tunnel.
      forwarded("method_connect_lowercase", headers_only(request("connect", "/a")),
                {"connect", "/a", ""}, head("connect /a HTTP/1.1")),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_method, h2_downgrade, testing::ValuesIn(method_cases()),
                         case_name);

// :authority and host. nghttp2 allows the authority characters of RFC 3986, '@'
// included, and resets on the rest; the proxy's parser refuses '@'. A host field
// disagreeing with :authority is 400 (RFC 9113 8.3.1); one that agrees (case aside)
// is not sent twice.
std::vector<h2_case> authority_cases() {
  const auto with_authority = [](std::string authority, field_list extra = {}) {
    return headers_only(request("GET", "/a", std::move(extra), std::move(authority)));
  };
  const auto without_authority = [](field_list extra) {
    field_list list = {{":method", "GET"}, {":scheme", "http"}, {":path", "/a"}};
    list.insert(list.end(), extra.begin(), extra.end());
    return headers_only(list);
  };
  expected_request other{"GET", "/a", "", "other.example"};
  return {
      reset("authority_with_a_space", with_authority("h.example x")),
      answered("authority_with_userinfo", with_authority("user@h.example"), 400),
      reset("authority_with_a_slash", with_authority("h.example/x")),
      reset("authority_with_cr", with_authority("h.example\rx")),
      reset("authority_with_crlf_header", with_authority("h.example\r\nx-injected: 1")),
      reset("authority_with_nul", with_authority("h.example\0"s)),
      reset("authority_empty", with_authority("")),
      forwarded("authority_with_port", with_authority("h.example:8080"),
                {"GET", "/a", "", "h.example:8080"},
                head("GET /a HTTP/1.1", {}, {}, "h.example:8080")),
      forwarded("host_without_authority", without_authority({{"host", "other.example"}}), other,
                head("GET /a HTTP/1.1", {}, {}, "other.example")),
      reset("neither_host_nor_authority", without_authority({{"x-a", "1"}})),
      answered("host_disagreeing_with_authority",
               with_authority("h.example", {{"host", "other.example"}}), 400),
      answered("host_with_another_port_than_authority",
               with_authority("h.example", {{"host", "h.example:8080"}}), 400),
      forwarded("host_agreeing_with_authority_but_for_case",
                with_authority("h.example", {{"host", "H.Example"}}),
                {"GET", "/a", "", "h.example"}, head("GET /a HTTP/1.1")),
      answered("host_with_userinfo_without_authority",
               without_authority({{"host", "user@other.example"}}), 400),
      reset("host_with_a_space_beside_authority",
            with_authority("h.example", {{"host", "other.example x"}})),
      reset("host_with_a_space_without_authority", without_authority({{"host", "h.example x"}})),
      reset("host_empty_beside_authority", with_authority("h.example", {{"host", ""}})),
      reset("two_host_fields",
            with_authority("h.example", {{"host", "h.example"}, {"host", "other.example"}})),
      reset("two_authorities",
            headers_only(request("GET", "/a", {{":authority", "other.example"}}))),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_authority, h2_downgrade, testing::ValuesIn(authority_cases()),
                         case_name);

// Regular field names and values. nghttp2 1.52 without an on_invalid_header callback
// (the proxy sets none) resets the stream on any malformed field, RFC 9113 8.2.1:
// upper case, a byte that is no token char in a name, CR, LF, NUL or a control in a
// value, whitespace around it. Nothing of such a request reaches the upstream.
std::vector<h2_case> field_cases() {
  const auto a_with = [](field_list extra) { return headers_only(get("/a", std::move(extra))); };
  const auto kept = head("GET /a HTTP/1.1", "x-before: 1\r\nx-after: 2\r\n");
  const auto around = [](std::string name, std::string value) {
    return field_list{{"x-before", "1"}, {std::move(name), std::move(value)}, {"x-after", "2"}};
  };
  const expected_request a{"GET", "/a", ""};
  return {
      reset("name_with_upper_case", a_with({{"X-Upper", "1"}})),
      reset("name_all_upper_case_content_length",
            with_data(post({{"Content-Length", "3"}}), {"abc"})),
      reset("pseudo_name_with_upper_case", headers_only({{":method", "GET"},
                                                         {":scheme", "http"},
                                                         {":Path", "/a"},
                                                         {":authority", "h.example"}})),
      reset("name_with_a_colon", a_with(around("x-a:b", "1"))),
      reset("name_with_a_space", a_with(around("x a", "1"))),
      reset("name_with_a_space_before_a_colon", a_with(around("transfer-encoding ", "chunked"))),
      reset("name_empty", a_with(around("", "1"))),
      reset("name_with_cr", a_with(around("x-a\r\nx-injected", "1"))),
      reset("name_with_nul", a_with(around("x-a\0b"s, "1"))),
      reset("value_with_cr", a_with(around("x-a", "1\r2"))),
      reset("value_with_lf", a_with(around("x-a", "1\n2"))),
      reset("value_injecting_a_header", a_with(around("x-a", "1\r\nx-injected: 2"))),
      reset("value_injecting_a_request",
            a_with(around("x-a", "1\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h.example"))),
      reset("value_with_nul", a_with(around("x-a",
                                            "1\0"s
                                            "2"))),
      reset("value_with_a_control_byte", a_with(around("x-a", "1\x01"))),
      reset("value_with_del", a_with(around("x-a", "1\x7f"))),
      reset("value_with_leading_space", a_with(around("x-a", " 1"))),
      reset("value_with_trailing_space", a_with(around("x-a", "1 "))),
      reset("value_with_trailing_tab", a_with(around("x-a", "1\t"))),
      reset("value_only_spaces", a_with(around("x-a", "  "))),
      forwarded("value_with_inner_space_and_tab", a_with({{"x-a", "1 \t2"}}), a,
                head("GET /a HTTP/1.1", "x-a: 1 \t2\r\n")),
      forwarded("value_empty", a_with({{"x-a", ""}}), a, head("GET /a HTTP/1.1", "x-a: \r\n")),
      forwarded("value_with_obs_text", a_with({{"x-a", "caf\xc3\xa9"}}), a,
                head("GET /a HTTP/1.1", "x-a: caf\xc3\xa9\r\n")),
      forwarded("expect_is_not_forwarded", a_with(around("expect", "100-continue")), a, kept),
      forwarded("http2_settings_is_not_forwarded",
                a_with(around("http2-settings", "AAMAAABkAAQCAAAAAAIAAAAA")), a, kept),
      forwarded("x_forwarded_for_is_appended_to", a_with({{"x-forwarded-for", "10.1.2.3"}}), a,
                "GET /a HTTP/1.1\r\nHost: h.example\r\nX-Forwarded-For: 10.1.2.3, "
                "127.0.0.1\r\nX-Forwarded-Proto: ${proto}\r\nX-Request-Id: *\r\n\r\n"),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_fields, h2_downgrade, testing::ValuesIn(field_cases()),
                         case_name);

// Framing. nghttp2 checks content-length against the DATA (a stream error, after
// the head may have gone upstream: then that upstream connection must be closed);
// the proxy writes its own Content-Length, or frames a body without one chunked.
std::vector<h2_case> framing_cases() {
  const std::string smuggled = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h.example\r\n\r\n";
  auto client_reset = with_data(post({{"content-length", "10"}}), {"hello"});
  client_reset.end_stream = false;
  client_reset.reset = cancel;
  h2_case cancelled{
      "content_length_longer_than_data_then_client_reset", client_reset, -1, {}, {}, true};
  auto open_chunked = with_data(post(), {"hello"});
  open_chunked.end_stream = false;
  open_chunked.reset = cancel;
  h2_case cancelled_chunked{"chunked_upload_then_client_reset", open_chunked, -1, {}, {}, true};
  // Answered before the upload ends: the proxy's 413, then RST_STREAM(NO_ERROR).
  auto too_long = with_data(post({{"content-length", "2000000"}}), {"hello"});
  too_long.end_stream = false;
  auto over_the_limit = answered("content_length_over_the_limit", too_long, 413);
  return {
      forwarded("content_length_matching", with_data(post({{"content-length", "5"}}), {"hello"}),
                {"POST", "/p", "hello"}, head("POST /p HTTP/1.1", {}, "Content-Length: 5\r\n")),
      forwarded("content_length_with_leading_zeros",
                with_data(post({{"content-length", "005"}}), {"hello"}), {"POST", "/p", "hello"},
                head("POST /p HTTP/1.1", {}, "Content-Length: 5\r\n")),
      // nghttp2 reads 22 digits as 5; the proxy's parser takes at most 18.
      answered("content_length_with_22_digits",
               with_data(post({{"content-length", "0000000000000000000005"}}), {"hello"}), 400),
      reset_while_streaming("content_length_shorter_than_data",
                            with_data(post({{"content-length", "5"}}), {"hello, world"})),
      // The first frame stays within the length, the second passes it.
      reset_while_streaming("content_length_shorter_than_data_in_two_frames",
                            with_data(post({{"content-length", "6"}}), {"hello", smuggled})),
      reset_while_streaming("content_length_longer_than_data",
                            with_data(post({{"content-length", "10"}}), {"hello"})),
      cancelled,
      reset("content_length_twice_equal",
            with_data(post({{"content-length", "5"}, {"content-length", "5"}}), {"hello"})),
      reset("content_length_twice_different",
            with_data(post({{"content-length", "5"}, {"content-length", "0"}}), {"hello"})),
      reset("content_length_list", with_data(post({{"content-length", "5, 5"}}), {"hello"})),
      reset("content_length_with_a_sign", with_data(post({{"content-length", "+5"}}), {"hello"})),
      reset("content_length_negative", headers_only(post({{"content-length", "-1"}}))),
      reset("content_length_hex", with_data(post({{"content-length", "0x5"}}), {"hello"})),
      reset("content_length_without_body", headers_only(post({{"content-length", "5"}}))),
      forwarded("content_length_zero_without_body", headers_only(post({{"content-length", "0"}})),
                {"POST", "/p", ""}, head("POST /p HTTP/1.1", {}, "Content-Length: 0\r\n")),
      reset("content_length_with_a_trailing_space",
            with_data(post({{"content-length", "5 "}}), {"hello"})),
      over_the_limit,
      forwarded("body_without_content_length_goes_chunked",
                with_data(post(), {"hello", " ", "world"}), {"POST", "/p", "hello world"},
                head("POST /p HTTP/1.1", {}, "Transfer-Encoding: chunked\r\n")),
      // A body that is itself a chunked terminator and a request: payload, nothing more.
      forwarded("body_holding_a_last_chunk_and_a_request",
                with_data(post(), {"hello\r\n", smuggled}), {"POST", "/p", "hello\r\n" + smuggled},
                head("POST /p HTTP/1.1", {}, "Transfer-Encoding: chunked\r\n")),
      // Empty DATA frames in the middle must not become a zero-size (last) chunk.
      forwarded("empty_data_frames_inside_a_chunked_body",
                with_data(post(), {"hello", "", "", smuggled}), {"POST", "/p", "hello" + smuggled},
                head("POST /p HTTP/1.1", {}, "Transfer-Encoding: chunked\r\n")),
      forwarded("empty_data_frames_inside_a_counted_body",
                with_data(post({{"content-length", std::to_string(5 + smuggled.size())}}),
                          {"hello", "", smuggled}),
                {"POST", "/p", "hello" + smuggled},
                head("POST /p HTTP/1.1", {},
                     "Content-Length: " + std::to_string(5 + smuggled.size()) + "\r\n")),
      forwarded("only_an_empty_data_frame", with_data(post(), {""}), {"POST", "/p", ""},
                head("POST /p HTTP/1.1", {}, "Transfer-Encoding: chunked\r\n")),
      forwarded("get_with_a_body", with_data(get("/g"), {"abc"}), {"GET", "/g", "abc"},
                head("GET /g HTTP/1.1", {}, "Transfer-Encoding: chunked\r\n")),
      cancelled_chunked,
      reset("transfer_encoding_chunked",
            with_data(post({{"transfer-encoding", "chunked"}}), {"5\r\nhello\r\n0\r\n\r\n"})),
      reset(
          "transfer_encoding_chunked_with_content_length",
          with_data(post({{"content-length", "5"}, {"transfer-encoding", "chunked"}}), {"hello"})),
      reset("transfer_encoding_identity",
            with_data(post({{"transfer-encoding", "identity"}}), {"hello"})),
      forwarded("te_trailers_is_not_forwarded", headers_only(get("/a", {{"te", "trailers"}})),
                {"GET", "/a", ""}, head("GET /a HTTP/1.1")),
      reset("te_gzip", headers_only(get("/a", {{"te", "gzip"}}))),
      reset("te_trailers_and_gzip", headers_only(get("/a", {{"te", "trailers, gzip"}}))),
      reset("connection_close", headers_only(get("/a", {{"connection", "close"}}))),
      reset("connection_naming_a_field",
            headers_only(get("/a", {{"connection", "x-a"}, {"x-a", "1"}}))),
      reset("keep_alive", headers_only(get("/a", {{"keep-alive", "timeout=5"}}))),
      reset("upgrade_websocket", headers_only(get("/a", {{"upgrade", "websocket"}}))),
      reset("proxy_connection", headers_only(get("/a", {{"proxy-connection", "keep-alive"}}))),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_framing, h2_downgrade, testing::ValuesIn(framing_cases()),
                         case_name);

// The same stream errors after the head and 160 KiB of body already went upstream
// (the client waits for the proxy's WINDOW_UPDATE before the offending frame): the
// upstream holds a request cut short, and that connection must be closed, never
// pooled, or the next request on it would complete the cut one.
std::vector<h2_case> cut_cases() {
  constexpr std::size_t filler = 160 * 1024;
  const std::string smuggled = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h.example\r\n\r\n";
  const auto body = [&](field_list extra, std::vector<std::string> data = {}) {
    stream_spec s = with_data(post(std::move(extra)), std::move(data));
    s.filler = filler;
    return s;
  };
  const auto length = [](std::size_t n) {
    return field_list{{"content-length", std::to_string(n)}};
  };
  const auto counted = [](std::size_t n) {
    return head("POST /p HTTP/1.1", {}, "Content-Length: " + std::to_string(n) + "\r\n");
  };
  const auto chunked = head("POST /p HTTP/1.1", {}, "Transfer-Encoding: chunked\r\n");
  const auto cut = [](const char* name, stream_spec s, std::string h, int status = 0) {
    h2_case c{name, std::move(s), status, {}, std::move(h), true};
    c.expect_cut_request = true;
    return c;
  };
  auto trailer = [&](field_list t) {
    stream_spec s = body({});
    s.trailers = std::move(t);
    return s;
  };
  auto client_reset = [&](field_list extra) {
    stream_spec s = body(std::move(extra));
    s.end_stream = false;
    s.reset = cancel;
    return s;
  };
  return {
      cut("cut_content_length_passed_by_the_next_frame", body(length(filler + 5), {"hello, world"}),
          counted(filler + 5)),
      cut("cut_content_length_passed_by_a_request", body(length(filler + 5), {"hello" + smuggled}),
          counted(filler + 5)),
      cut("cut_content_length_not_reached_at_end_stream", body(length(filler + 100)),
          counted(filler + 100)),
      cut("cut_chunked_by_a_pseudo_header_trailer", trailer({{":path", "/smuggled"}}), chunked),
      cut("cut_chunked_by_a_trailer_with_crlf",
          trailer({{"x-t", "1\r\n\r\nGET /smuggled HTTP/1.1"}}), chunked),
      cut("cut_chunked_by_a_transfer_encoding_trailer", trailer({{"transfer-encoding", "chunked"}}),
          chunked),
      cut("cut_chunked_by_the_client_reset", client_reset({}), chunked, -1),
      cut("cut_content_length_by_the_client_reset", client_reset(length(filler + 100)),
          counted(filler + 100), -1),
      forwarded("long_chunked_body_ending_in_a_request", body({}, {smuggled}),
                {"POST", "/p", std::string(filler, 'x') + smuggled}, chunked),
      forwarded("long_counted_body_ending_in_a_request",
                body(length(filler + smuggled.size()), {smuggled}),
                {"POST", "/p", std::string(filler, 'x') + smuggled},
                counted(filler + smuggled.size())),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_cut, h2_downgrade, testing::ValuesIn(cut_cases()), case_name);

// Pseudo-headers: order, duplicates, unknown ones, a response's in a request.
std::vector<h2_case> pseudo_cases() {
  return {
      reset("pseudo_after_a_regular_field", headers_only({{":method", "GET"},
                                                          {":scheme", "http"},
                                                          {"x-a", "1"},
                                                          {":path", "/a"},
                                                          {":authority", "h.example"}})),
      reset("authority_after_a_regular_field", headers_only({{":method", "GET"},
                                                             {":scheme", "http"},
                                                             {":path", "/a"},
                                                             {"host", "h.example"},
                                                             {":authority", "other.example"}})),
      reset("path_twice", headers_only(get("/a", {{":path", "/b"}}))),
      reset("path_twice_in_front", headers_only({{":method", "GET"},
                                                 {":path", "/a"},
                                                 {":path", "/b"},
                                                 {":scheme", "http"},
                                                 {":authority", "h.example"}})),
      reset("method_twice", headers_only({{":method", "GET"},
                                          {":method", "POST"},
                                          {":scheme", "http"},
                                          {":path", "/a"},
                                          {":authority", "h.example"}})),
      reset("scheme_twice", headers_only({{":method", "GET"},
                                          {":scheme", "http"},
                                          {":scheme", "https"},
                                          {":path", "/a"},
                                          {":authority", "h.example"}})),
      reset("unknown_pseudo_header", headers_only({{":method", "GET"},
                                                   {":scheme", "http"},
                                                   {":path", "/a"},
                                                   {":authority", "h.example"},
                                                   {":foo", "bar"}})),
      reset("status_in_a_request", headers_only({{":status", "200"},
                                                 {":method", "GET"},
                                                 {":scheme", "http"},
                                                 {":path", "/a"},
                                                 {":authority", "h.example"}})),
      reset("protocol_without_extended_connect", headers_only({{":method", "CONNECT"},
                                                               {":protocol", "websocket"},
                                                               {":scheme", "http"},
                                                               {":path", "/a"},
                                                               {":authority", "h.example"}})),
      reset("scheme_missing",
            headers_only({{":method", "GET"}, {":path", "/a"}, {":authority", "h.example"}})),
      answered("scheme_uppercase",
               headers_only({{":method", "GET"},
                             {":scheme", "HTTP"},
                             {":path", "/a"},
                             {":authority", "h.example"}}),
               400),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_pseudo, h2_downgrade, testing::ValuesIn(pseudo_cases()),
                         case_name);

// Trailers (HEADERS after DATA): never forwarded to an HTTP/1.1 upstream; malformed
// ones reset the stream after its body went upstream, so that connection is closed.
std::vector<h2_case> trailer_cases() {
  const auto with_trailers = [](field_list trailers, field_list extra = {}) {
    stream_spec s = with_data(post(std::move(extra)), {"hello"});
    s.trailers = std::move(trailers);
    return s;
  };
  const expected_request hello{"POST", "/p", "hello"};
  const auto chunked = head("POST /p HTTP/1.1", {}, "Transfer-Encoding: chunked\r\n");
  return {
      forwarded("trailer_plain", with_trailers({{"x-t", "1"}}), hello, chunked),
      forwarded("trailer_with_content_length_header",
                with_trailers({{"x-t", "1"}}, {{"content-length", "5"}}), hello,
                head("POST /p HTTP/1.1", {}, "Content-Length: 5\r\n")),
      forwarded("trailer_host", with_trailers({{"host", "other.example"}}), hello, chunked),
      reset_while_streaming("trailer_with_crlf_value",
                            with_trailers({{"x-t", "1\r\n\r\nGET /smuggled"}})),
      forwarded("trailer_content_length_matching", with_trailers({{"content-length", "5"}}), hello,
                chunked),
      reset_while_streaming("trailer_content_length_disagreeing",
                            with_trailers({{"content-length", "0"}})),
      reset_while_streaming("trailer_transfer_encoding",
                            with_trailers({{"transfer-encoding", "chunked"}})),
      reset_while_streaming("trailer_connection", with_trailers({{"connection", "close"}})),
      reset_while_streaming("trailer_te_gzip", with_trailers({{"te", "gzip"}})),
      reset_while_streaming("trailer_pseudo_path", with_trailers({{":path", "/smuggled"}})),
      reset_while_streaming("trailer_pseudo_method", with_trailers({{":method", "GET"}})),
      reset_while_streaming("trailer_pseudo_status", with_trailers({{":status", "200"}})),
      reset_while_streaming("trailer_upper_case_name", with_trailers({{"X-T", "1"}})),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_trailers, h2_downgrade, testing::ValuesIn(trailer_cases()),
                         case_name);

// Cookie crumbs (RFC 9113 8.2.3): one cookie line, "; "-joined in order, after the
// other fields.
std::vector<h2_case> cookie_cases() {
  const expected_request a{"GET", "/a", ""};
  return {
      forwarded("cookie_crumbs_are_joined",
                headers_only(get(
                    "/a", {{"cookie", "a=1"}, {"x-a", "1"}, {"cookie", "b=2"}, {"cookie", "c=3"}})),
                a, head("GET /a HTTP/1.1", "x-a: 1\r\ncookie: a=1; b=2; c=3\r\n")),
      forwarded("cookie_single", headers_only(get("/a", {{"cookie", "a=1; b=2"}})), a,
                head("GET /a HTTP/1.1", "cookie: a=1; b=2\r\n")),
      reset("cookie_crumb_with_crlf",
            headers_only(get(
                "/a", {{"cookie", "a=1"}, {"cookie", "b=2\r\nx-injected: 1"}, {"cookie", "c=3"}}))),
      reset("cookie_crumb_with_a_leading_space",
            headers_only(get("/a", {{"cookie", "a=1"}, {"cookie", " b=2"}}))),
      forwarded("cookie_crumb_empty",
                headers_only(get("/a", {{"cookie", "a=1"}, {"cookie", ""}, {"cookie", "b=2"}})), a,
                head("GET /a HTTP/1.1", "cookie: a=1; ; b=2\r\n")),
      forwarded("cookie_only_empty_crumbs",
                headers_only(get("/a", {{"cookie", ""}, {"cookie", ""}})), a,
                head("GET /a HTTP/1.1")),
      reset("cookie_upper_case_name", headers_only(get("/a", {{"Cookie", "a=1"}}))),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_cookies, h2_downgrade, testing::ValuesIn(cookie_cases()),
                         case_name);

// A sample of the above over TLS: the same code path, and X-Forwarded-Proto https.
std::vector<h2_case> tls_cases() {
  const std::string smuggled = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h.example\r\n\r\n";
  return {
      reset("path_injecting_a_request_line", headers_only(get("/a HTTP/1.1\r\nX: y"))),
      answered("path_with_a_fragment", headers_only(get("/a#b")), 400),
      answered("authority_with_userinfo", headers_only(request("GET", "/a", {}, "user@h.example")),
               400),
      answered("host_disagreeing_with_authority",
               headers_only(get("/a", {{"host", "other.example"}})), 400),
      reset("value_injecting_a_header",
            headers_only(get("/a", {{"x-a", "1\r\nx-injected: 2"}, {"x-b", "2"}}))),
      reset_while_streaming("content_length_shorter_than_data",
                            with_data(post({{"content-length", "6"}}), {"hello", smuggled})),
      forwarded("body_holding_a_last_chunk_and_a_request", with_data(post(), {"", smuggled}),
                {"POST", "/p", smuggled},
                head("POST /p HTTP/1.1", {}, "Transfer-Encoding: chunked\r\n")),
      reset("transfer_encoding_chunked",
            with_data(post({{"transfer-encoding", "chunked"}}), {"5\r\nhello\r\n0\r\n\r\n"})),
      forwarded("cookie_crumbs_are_joined",
                headers_only(get("/a", {{"cookie", "a=1"}, {"cookie", "b=2"}})), {"GET", "/a", ""},
                head("GET /a HTTP/1.1", "cookie: a=1; b=2\r\n")),
  };
}
INSTANTIATE_TEST_SUITE_P(h2_downgrade_tls, h2_downgrade_tls, testing::ValuesIn(tls_cases()),
                         case_name);

}  // namespace
}  // namespace quikedge::test
