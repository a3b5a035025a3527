// The request headers the upstream sees (through its /headers page) and the
// response headers the client sees.
#include <gtest/gtest.h>

#include <boost/beast/core/string.hpp>

#include <regex>
#include <sstream>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

/// The values of every header line named `name` (any case) in a /headers body.
std::vector<std::string> values_of(const std::string& header_lines, std::string_view name) {
  std::vector<std::string> values;
  std::istringstream lines(header_lines);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    if (colon != std::string::npos && boost::beast::iequals(line.substr(0, colon), name)) {
      const auto start = line.find_first_not_of(' ', colon + 1);
      values.push_back(start == std::string::npos ? "" : line.substr(start));
    }
  }
  return values;
}

class headers : public two_stacks {
 protected:
  void SetUp() override { ASSERT_TRUE(start(100, 0)); }

  /// The request header lines the upstream received for a GET /headers.
  std::string seen_upstream(const header_list& sent) {
    http_client client(port());
    auto response = client.get("/headers", sent);
    EXPECT_EQ(response.status, 200) << response.error;
    return response.body;
  }
};

TEST_F(headers, x_forwarded_for_is_appended_to_an_existing_value) {
  auto lines = seen_upstream({{"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(values_of(lines, "X-Forwarded-For"), std::vector<std::string>{"203.0.113.7, 127.0.0.1"})
      << lines;
}

TEST_F(headers, several_x_forwarded_for_lines_form_one_list) {
  auto lines =
      seen_upstream({{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(values_of(lines, "X-Forwarded-For"),
            std::vector<std::string>{"198.51.100.1, 203.0.113.7, 127.0.0.1"})
      << lines;
}

TEST_F(headers, x_forwarded_for_is_set_when_missing) {
  auto lines = seen_upstream({});
  EXPECT_EQ(values_of(lines, "X-Forwarded-For"), std::vector<std::string>{"127.0.0.1"}) << lines;
}

TEST_F(headers, x_forwarded_proto_is_set_and_not_taken_from_the_client) {
  EXPECT_EQ(values_of(seen_upstream({}), "X-Forwarded-Proto"), std::vector<std::string>{"http"});
  auto spoofed = seen_upstream({{"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(values_of(spoofed, "X-Forwarded-Proto"), std::vector<std::string>{"http"}) << spoofed;
}

TEST_F(headers, request_id_is_generated_when_missing) {
  const std::regex hex32("[0-9a-f]{32}");
  auto first = values_of(seen_upstream({}), "X-Request-Id");
  auto second = values_of(seen_upstream({}), "X-Request-Id");
  ASSERT_EQ(first.size(), 1U);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_TRUE(std::regex_match(first[0], hex32)) << first[0];
  EXPECT_TRUE(std::regex_match(second[0], hex32)) << second[0];
  EXPECT_NE(first[0], second[0]);
}

TEST_F(headers, request_id_is_passed_through_unchanged) {
  auto lines = seen_upstream({{"X-Request-Id", "Trace-42/abc"}});
  EXPECT_EQ(values_of(lines, "X-Request-Id"), std::vector<std::string>{"Trace-42/abc"}) << lines;
}

TEST_F(headers, hop_by_hop_headers_are_not_forwarded) {
  auto lines = seen_upstream({{"Connection", "keep-alive, X-Private-Hop"},
                              {"Keep-Alive", "timeout=5"},
                              {"TE", "trailers"},
                              {"Upgrade", "example/1"},
                              {"Proxy-Connection", "keep-alive"},
                              {"X-Private-Hop", "secret"},
                              {"X-End-To-End", "kept"}});
  for (std::string_view name :
       {"Connection", "Keep-Alive", "TE", "Upgrade", "Proxy-Connection", "X-Private-Hop"}) {
    EXPECT_TRUE(values_of(lines, name).empty()) << name << " was forwarded:\n" << lines;
  }
  EXPECT_EQ(values_of(lines, "X-End-To-End"), std::vector<std::string>{"kept"}) << lines;
}

TEST_F(headers, response_names_the_stack_and_keeps_end_to_end_headers) {
  http_client client(port());
  auto response = client.get("/");
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.header("X-QuikEdge-Stack"), "blue");
  EXPECT_EQ(response.count("X-QuikEdge-Stack"), 1U);
  EXPECT_EQ(response.header("X-Upstream"), "blue");
  EXPECT_EQ(response.header("Content-Type"), "text/plain");
}

}  // namespace
}  // namespace quikedge::test
