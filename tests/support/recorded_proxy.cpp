// The fixture helpers of the smuggling tests: request texts, request_case factories, the
// canonical-framing check and recorded_proxy, a quikedge in front of a recording_upstream.
#include "support/recording_upstream.hpp"

#include <algorithm>
#include <cstdio>

namespace quikedge::test {

std::string get_text(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(test_host) + "\r\n\r\n";
}

testing::AssertionResult framed_canonically(const recorded_request& request) {
  const auto hosts = request.count("Host");
  if (request.version_minor == 1 && hosts != 1) {
    return testing::AssertionFailure() << request.target << " reached the upstream with " << hosts
                                       << " Host headers: " << printable(request.raw);
  }
  const auto lengths = request.count("Content-Length");
  const auto codings = request.count("Transfer-Encoding");
  if (lengths + codings > 1) {
    return testing::AssertionFailure()
           << "more than one framing header: " << printable(request.raw);
  }
  if (lengths == 1 && request.header("Content-Length") != std::to_string(request.body.size())) {
    return testing::AssertionFailure() << "Content-Length not the proxy's own '"
                                       << request.body.size() << "': " << printable(request.raw);
  }
  if (codings == 1 && request.header("Transfer-Encoding") != "chunked") {
    return testing::AssertionFailure()
           << "Transfer-Encoding not the proxy's own 'chunked': " << printable(request.raw);
  }
  if (!request.chunk_extensions.empty() || !request.trailers.empty()) {
    return testing::AssertionFailure()
           << "chunk extensions or trailers were forwarded: " << printable(request.raw);
  }
  for (const auto& line : request.chunk_size_lines) {
    if (line.size() > 1 && line.front() == '0') {
      return testing::AssertionFailure()
             << "chunk size line '" << line << "' is not canonical: " << printable(request.raw);
    }
  }
  return testing::AssertionSuccess();
}

void PrintTo(const request_case& c, std::ostream* out) {
  *out << c.name;
}

request_case refused(const char* name, std::string raw, std::vector<int> statuses) {
  return {name, std::move(raw), std::move(statuses), true, {}};
}

request_case forwarded(const char* name, std::string raw, std::vector<expected_request> upstream) {
  return {name, std::move(raw), {200}, false, std::move(upstream)};
}

request_case forwarded_then_closed(const char* name, std::string raw,
                                   std::vector<expected_request> upstream) {
  return {name, std::move(raw), {200}, true, std::move(upstream)};
}

request_case refused_while_streaming(const char* name, std::string raw, std::vector<int> statuses) {
  auto c = refused(name, std::move(raw), std::move(statuses));
  c.partial_upstream_ok = true;
  return c;
}

std::string post_head(std::string_view target, std::string_view fields) {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(test_host) + "\r\n" +
         std::string(fields) + "\r\n";
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

std::string smuggled_request() {
  return get_text("/smuggled");
}

proxy_config recorded_proxy::config() const {
  proxy_config config;
  config.workers = 1;  // one pool: the next request reuses the previous upstream connection
  config.stacks = {{"origin", {upstream.address()}, 100}};
  config.top_level_extra =
      "timeouts: { connect: 1s, request_header: 2s, idle: 3s, upstream_response: 3s }\n"
      "limits: { max_request_body_bytes: 65536 }\n";
  return config;
}

testing::AssertionResult recorded_proxy::answered_itself(http_client& client,
                                                         std::string_view target) {
  if (!client.send(get_text(target), std::chrono::seconds(3))) {
    return testing::AssertionFailure() << "sending GET " << target << ": " << client.error();
  }
  auto response = client.read_response(false, std::chrono::seconds(3));
  if (response.status != 200 || response.body != target) {
    return testing::AssertionFailure()
           << "GET " << target << " was answered " << response.status << " '"
           << printable(response.body) << "' " << response.error << "\n"
           << upstream.describe();
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult recorded_proxy::answered_itself(std::string_view target) {
  http_client client(port(), std::chrono::seconds(3));
  return answered_itself(client, target);
}

std::size_t recorded_proxy::warm_pool() {
  EXPECT_TRUE(answered_itself("/warm"));
  return upstream.request_count();
}

testing::AssertionResult requests_match(const recording_upstream& upstream,
                                        const std::vector<recorded_request>& got,
                                        const std::vector<expected_request>& expected,
                                        bool partial_ok) {
  auto failure = [&]() { return testing::AssertionFailure() << "\n" << upstream.describe(); };
  if (got.size() != expected.size()) {
    auto result = failure();
    result << "the upstream parsed " << got.size() << " requests, expected " << expected.size()
           << ":";
    for (const auto& r : got) {
      result << "\n  " << printable(r.method) << " " << printable(r.target) << " body '"
             << printable(r.body) << "'";
    }
    return result;
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto& r = got[i];
    const auto& w = expected[i];
    if (r.method != w.method || r.target != w.target || r.body != w.body) {
      return failure() << "request " << i << " is " << printable(r.method) << " "
                       << printable(r.target) << " body '" << printable(r.body) << "', expected "
                       << w.method << " " << printable(w.target) << " body '" << printable(w.body)
                       << "'";
    }
    if (w.host && r.header("Host") != *w.host) {
      return failure() << "request " << i << " has Host '" << printable(r.header("Host"))
                       << "', expected '" << *w.host << "'";
    }
    if (auto framed = framed_canonically(r); !framed) {
      return framed;
    }
  }
  if (auto errors = upstream.errors(); !errors.empty()) {
    return failure() << "the upstream could not parse: " << errors.front();
  }
  if (auto whole = upstream.only_whole_requests(partial_ok); !whole) {
    return failure() << whole.message();
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult recorded_proxy::upstream_saw(std::size_t base,
                                                      const std::vector<expected_request>& expected,
                                                      bool partial_ok) {
  if (auto sentinel = answered_itself("/sentinel"); !sentinel) {
    return sentinel;
  }
  if (auto seen = upstream.wait_for_target("/sentinel"); !seen) {
    return seen;
  }
  auto all = upstream.requests();
  std::vector<recorded_request> got(all.begin() + static_cast<std::ptrdiff_t>(base), all.end());
  auto wanted = expected;
  wanted.push_back({"GET", "/sentinel", ""});
  return requests_match(upstream, got, wanted, partial_ok);
}

std::vector<recorded_request> recorded_proxy::expect_case(const request_case& c) {
  const std::size_t base = warm_pool();
  http_client client(port(), std::chrono::seconds(3));
  EXPECT_TRUE(client.send(c.raw, std::chrono::seconds(3))) << client.error();
  auto response = client.read_response(false, std::chrono::seconds(4));
  EXPECT_TRUE(std::find(c.statuses.begin(), c.statuses.end(), response.status) != c.statuses.end())
      << "status " << response.status << " " << response.error << ", expected one of "
      << testing::PrintToString(c.statuses) << "\n"
      << upstream.describe();
  if (response.status == 200 && !c.upstream.empty()) {
    EXPECT_EQ(printable(response.body), printable(c.upstream.front().target))
        << "the client got another request's answer";
  }
  auto expected = c.upstream;
  if (c.expect_closed) {
    if (response.status != 0) {
      EXPECT_EQ(response.header("Connection"), "close");
    }
    EXPECT_TRUE(client.wait_closed(std::chrono::seconds(3))) << "the connection stayed open";
    EXPECT_EQ(printable(client.unread_bytes()), "") << "bytes after the response";
  } else {
    EXPECT_TRUE(response.keep_alive) << "the connection is not kept";
    EXPECT_TRUE(answered_itself(client, "/follow-up"));
    expected.push_back({"GET", "/follow-up", ""});
  }
  EXPECT_TRUE(upstream_saw(base, expected, c.partial_upstream_ok));
  auto all = upstream.requests();
  return {all.begin() + static_cast<std::ptrdiff_t>(std::min(base, all.size())), all.end()};
}

}  // namespace quikedge::test
