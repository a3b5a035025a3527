// Client identity through the real binary: X-Forwarded-For is kept only
// from trusted proxies, and a PROXY protocol header (v1 or v2) names the client
// on listeners that require one; connections without a valid header are closed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include <boost/beast/core/string.hpp>

#include <sstream>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

/// The X-Forwarded-For line of a /headers body ("" when there is none).
std::string forwarded_for(const std::string& header_lines) {
  std::istringstream lines(header_lines);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (colon != std::string::npos &&
        boost::beast::iequals(line.substr(0, colon), "x-forwarded-for")) {
      std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
      if (!value.empty() && value.back() == '\r') {
        value.pop_back();
      }
      return value;
    }
  }
  return "";
}

const std::string forged_request =
    request_text("GET", "/headers", {{"X-Forwarded-For", "6.6.6.6"}});

/// A v2 PROXY header for TCP over IPv4 from `source` (a.b.c.d as bytes) port 4242.
std::string proxy_v2_tcp4(std::array<unsigned char, 4> source) {
  std::string header("\r\n\r\n\0\r\nQUIT\n", 12);
  header += '\x21';  // version 2, PROXY
  header += '\x11';  // AF_INET, STREAM
  header += std::string("\x00\x0c", 2);
  header.append(reinterpret_cast<const char*>(source.data()), 4);
  header += std::string("\x7f\x00\x00\x01", 4);  // destination 127.0.0.1
  header += std::string("\x10\x92\x00\x50", 4);  // ports 4242 -> 80
  return header;
}

std::string proxy_v2_local() {
  std::string header("\r\n\r\n\0\r\nQUIT\n", 12);
  header += '\x20';  // version 2, LOCAL
  header += std::string("\x00\x00\x00", 3);
  return header;
}

class client_identity : public two_stacks {
 protected:
  testing::AssertionResult start_with(std::string listener_extra, std::string top_level_extra) {
    proxy_config config;
    config.listener_extra = std::move(listener_extra);
    config.top_level_extra = std::move(top_level_extra);
    return start(100, 0, config);
  }

  /// Sends `raw` on a new connection and returns the X-Forwarded-For the upstream saw.
  std::string seen_forwarded_for(const std::string& raw) {
    http_client client(port());
    EXPECT_TRUE(client.send(raw)) << client.error();
    auto response = client.read_response();
    EXPECT_EQ(response.status, 200) << response.error;
    return forwarded_for(response.body);
  }

  /// True when the proxy closes the connection after `raw` without answering.
  bool closed_without_answer(const std::string& raw) {
    http_client client(port());
    if (!client.send(raw)) {
      return true;  // already reset
    }
    auto response = client.read_response(false, std::chrono::seconds(5));
    return response.status == 0 && client.wait_closed(std::chrono::seconds(5));
  }
};

TEST_F(client_identity, without_trusted_proxies_forwarded_for_is_appended_to) {
  ASSERT_TRUE(start_with("", ""));
  EXPECT_EQ(seen_forwarded_for(forged_request), "6.6.6.6, 127.0.0.1");
}

TEST_F(client_identity, an_untrusted_peer_cannot_forge_forwarded_for) {
  ASSERT_TRUE(start_with("", "trusted_proxies: [\"10.0.0.0/8\", \"::1/128\"]\n"));
  EXPECT_EQ(seen_forwarded_for(forged_request), "127.0.0.1");
  // Several lines, odd case: all of them go.
  EXPECT_EQ(seen_forwarded_for(request_text(
                "GET", "/headers",
                {{"x-forwarded-for", "1.1.1.1"}, {"X-Forwarded-For", "2.2.2.2, 3.3.3.3"}})),
            "127.0.0.1");
}

TEST_F(client_identity, a_trusted_peer_keeps_its_forwarded_for) {
  ASSERT_TRUE(start_with("", "trusted_proxies: [\"127.0.0.0/8\"]\n"));
  EXPECT_EQ(seen_forwarded_for(forged_request), "6.6.6.6, 127.0.0.1");
}

/// The /headers body of a request carrying every other field a client could
/// forge its address or host with, lower-cased.
std::string seen_with_forged_identity(std::uint16_t port) {
  http_client client(port);
  auto response = client.get("/headers", {{"Forwarded", "for=6.6.6.6;proto=https;host=evil"},
                                          {"X-Forwarded-Host", "evil.example"},
                                          {"X-Real-IP", "6.6.6.6"}});
  EXPECT_EQ(response.status, 200) << response.error;
  std::string body = response.body;
  std::transform(body.begin(), body.end(), body.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return body;
}

TEST_F(client_identity, an_untrusted_peer_cannot_forge_forwarded_host_or_real_ip_either) {
  ASSERT_TRUE(start_with("", "trusted_proxies: [\"10.0.0.0/8\"]\n"));
  const auto body = seen_with_forged_identity(port());
  for (const char* forged : {"forwarded:", "x-forwarded-host", "x-real-ip", "6.6.6.6", "evil"}) {
    EXPECT_EQ(body.find(forged), std::string::npos) << forged << " in:\n" << body;
  }
}

TEST_F(client_identity, a_trusted_peer_keeps_forwarded_host_and_real_ip) {
  ASSERT_TRUE(start_with("", "trusted_proxies: [\"127.0.0.0/8\"]\n"));
  const auto body = seen_with_forged_identity(port());
  EXPECT_NE(body.find("x-forwarded-host: evil.example"), std::string::npos) << body;
  EXPECT_NE(body.find("x-real-ip: 6.6.6.6"), std::string::npos) << body;
  EXPECT_NE(body.find("forwarded: for=6.6.6.6"), std::string::npos) << body;
}

TEST_F(client_identity, proxy_v1_names_the_client) {
  ASSERT_TRUE(start_with("    proxy_protocol: true\n", ""));
  EXPECT_EQ(seen_forwarded_for("PROXY TCP4 203.0.113.9 127.0.0.1 5555 80\r\n" +
                               request_text("GET", "/headers")),
            "203.0.113.9");
  EXPECT_EQ(seen_forwarded_for("PROXY TCP6 2001:db8::7 ::1 5555 80\r\n" +
                               request_text("GET", "/headers")),
            "2001:db8::7");
  // UNKNOWN: the load balancer's own connection; the socket peer stands.
  EXPECT_EQ(seen_forwarded_for("PROXY UNKNOWN\r\n" + request_text("GET", "/headers")), "127.0.0.1");
}

TEST_F(client_identity, proxy_v2_names_the_client_and_local_keeps_the_peer) {
  ASSERT_TRUE(start_with("    proxy_protocol: true\n", ""));
  EXPECT_EQ(seen_forwarded_for(proxy_v2_tcp4({198, 51, 100, 23}) + request_text("GET", "/headers")),
            "198.51.100.23");
  EXPECT_EQ(seen_forwarded_for(proxy_v2_local() + request_text("GET", "/headers")), "127.0.0.1");
}

TEST_F(client_identity, a_header_split_over_several_packets_is_read_whole) {
  ASSERT_TRUE(start_with("    proxy_protocol: true\n", ""));
  http_client client(port());
  const std::string header = "PROXY TCP4 192.0.2.44 127.0.0.1 5555 80\r\n";
  // Two sends, so the proxy usually wakes with the first part alone (the
  // parser's every-prefix behaviour is covered byte by byte in the unit tests).
  ASSERT_TRUE(client.send(header.substr(0, 9)));
  ASSERT_TRUE(client.send(header.substr(9) + request_text("GET", "/headers")));
  auto response = client.read_response();
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(forwarded_for(response.body), "192.0.2.44");
  // Keep-alive: the next request on the connection carries no header of its own.
  ASSERT_TRUE(client.send(request_text("GET", "/headers")));
  response = client.read_response();
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(forwarded_for(response.body), "192.0.2.44");
}

TEST_F(client_identity, proxy_source_is_checked_against_trusted_proxies) {
  ASSERT_TRUE(start_with("    proxy_protocol: true\n", "trusted_proxies: [\"203.0.113.0/24\"]\n"));
  const std::string forged = request_text("GET", "/headers", {{"X-Forwarded-For", "6.6.6.6"}});
  EXPECT_EQ(seen_forwarded_for("PROXY TCP4 203.0.113.9 127.0.0.1 5555 80\r\n" + forged),
            "6.6.6.6, 203.0.113.9");
  EXPECT_EQ(seen_forwarded_for("PROXY TCP4 192.0.2.1 127.0.0.1 5555 80\r\n" + forged), "192.0.2.1");
}

TEST_F(client_identity, connections_without_a_valid_header_are_closed_and_others_served) {
  ASSERT_TRUE(start_with("    proxy_protocol: true\n", ""));
  for (const std::string& bad : {
           request_text("GET", "/headers"),                          // no header at all
           std::string("proxy TCP4 1.2.3.4 127.0.0.1 1 2\r\n"),      // lower case
           std::string("PROXY TCP4 1.2.3.4  127.0.0.1 1 2\r\n"),     // double space
           std::string("PROXY TCP4 1.2.3.4 127.0.0.1 1 99999\r\n"),  // port range
           std::string("PROXY TCP4 1.2.3.4 127.0.0.1 1 2\n"),        // bare LF
           std::string("\r\n\r\n\0\r\nQUIT\n\x31\x11\x00\x0c", 16),  // v2, version 3
           std::string("PROXY TCP4 ") + std::string(200, '1'),       // too long
       }) {
    EXPECT_TRUE(closed_without_answer(bad)) << bad;
  }
  EXPECT_EQ(seen_forwarded_for("PROXY TCP4 203.0.113.9 127.0.0.1 5555 80\r\n" +
                               request_text("GET", "/headers")),
            "203.0.113.9");
}

TEST_F(client_identity, a_silent_connection_is_closed_by_the_header_timeout) {
  proxy_config config;
  config.listener_extra = "    proxy_protocol: true\n";
  config.top_level_extra = "timeouts: { request_header: 300ms }\n";
  ASSERT_TRUE(start(100, 0, config));
  http_client client(port());
  EXPECT_TRUE(client.wait_closed(std::chrono::seconds(5)));
}

}  // namespace
}  // namespace quikedge::test
