// Issue 6: the JSON-lines access log, off by default, with every field and sampling.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

std::vector<boost::json::object> read_lines(const std::filesystem::path& path) {
  std::vector<boost::json::object> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(boost::json::parse(line).as_object());
  }
  return lines;
}

class access_log : public two_stacks {
 protected:
  /// Where the log goes, in a directory of its own.
  const std::filesystem::path log_path = make_temp_directory() / "access.jsonl";

  /// Starts the proxy at weights 100:0 with the access log at log_path; `more` follows the
  /// path inside the access_log block.
  testing::AssertionResult start_logging(const std::string& more = "") {
    proxy_config config;
    config.top_level_extra = "access_log: { path: \"" + log_path.string() + "\"" + more + " }\n";
    return start(100, 0, config);
  }
};

TEST_F(access_log, one_json_line_per_request_with_every_field) {
  ASSERT_TRUE(start_logging());
  ASSERT_EQ(http_get(port(), "/status/201?x=1", {{"X-Request-Id", "req-42"}}).status, 201);
  http_client client(port());
  ASSERT_EQ(client.post("/echo", "hello").status, 200);
  ASSERT_TRUE(client.send("NOT A REQUEST\r\n\r\n"));
  EXPECT_EQ(client.read_response().status, 400);

  // Lines reach the file off the request path, within a few sweeps.
  ASSERT_TRUE(eventually([&] { return read_lines(log_path).size() == 3; }, 5s));
  auto lines = read_lines(log_path);
  std::map<std::string, boost::json::object> by_path;
  for (auto& line : lines) {
    by_path[std::string(line.at("path").as_string())] = line;
  }
  const auto& first = by_path.at("/status/201?x=1");
  EXPECT_EQ(first.at("request_id").as_string(), "req-42");
  EXPECT_EQ(first.at("method").as_string(), "GET");
  EXPECT_EQ(first.at("status").to_number<int>(), 201);
  EXPECT_EQ(first.at("stack").as_string(), "blue");
  EXPECT_EQ(first.at("endpoint").as_string(), blue().address());
  EXPECT_EQ(first.at("client").as_string(), "127.0.0.1");
  EXPECT_GT(first.at("bytes_out").to_number<int>(), 0);
  EXPECT_GE(first.at("duration_ms").to_number<double>(),
            first.at("upstream_ms").to_number<double>());
  EXPECT_TRUE(first.at("time").as_string().ends_with("Z"));
  const auto& echo = by_path.at("/echo");
  EXPECT_EQ(echo.at("request_id").as_string().size(), 32U) << "generated id";
  EXPECT_GE(echo.at("bytes_in").to_number<int>(), 5 + 20);
  EXPECT_EQ(by_path.at("-").at("status").to_number<int>(), 400);
  EXPECT_EQ(by_path.at("-").at("stack").as_string(), "");
}

TEST_F(access_log, sample_rate_zero_logs_nothing) {
  ASSERT_TRUE(start_logging(", sample_rate: 0"));
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(http_get(port(), "/").status, 200);
  }
  EXPECT_EQ(proxy.stop(), 0);  // a clean stop flushes what was buffered
  EXPECT_TRUE(std::filesystem::exists(log_path)) << "the log file is opened at start";
  EXPECT_TRUE(read_lines(log_path).empty());
}

}  // namespace
}  // namespace quikedge::test
