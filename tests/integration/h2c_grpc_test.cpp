// gRPC through the proxy (SPEC 14): an HTTP/2 client, a stack with
// `protocol: h2c` whose endpoint is a python3-grpcio server, unary and
// server-streaming calls with their trailers, and grpc-status counted by stack.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <string>

#include "support/child_process.hpp"
#include "support/eventually.hpp"
#include "support/proxy_process.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

class h2c_grpc : public ::testing::Test {
 protected:
  /// Starts a gRPC server named `name`; its port, or 0.
  std::uint16_t start_server(const std::string& name) {
    servers_.push_back(std::make_unique<child_process>(
        std::vector<std::string>{"/usr/bin/python3", source_path("tests/integration/grpc_echo.py"),
                                 "server", "--name", name}));
    const auto line = servers_.back()->wait_for_line("listening on ", deadline_in(20s));
    return line ? static_cast<std::uint16_t>(std::stoi(line->substr(13))) : 0;
  }

  /// The proxy: one HTTP/2 listener, the stacks' YAML as given.
  testing::AssertionResult start_proxy(const std::string& stacks, const std::string& weights) {
    return proxy.start(
        "environment: test\nworkers: 1\nlog_level: warn\nlisteners:\n"
        "  - { name: http, address: \"127.0.0.1:0\", http2: true }\n"
        "admin: { address: \"127.0.0.1:0\" }\nstacks:\n" +
        stacks + "routing:\n  weights: " + weights +
        "\n  stack_response_header: X-QuikEdge-Stack\n");
  }

  boost::json::object call(int count) {
    const auto result =
        run_command({"/usr/bin/python3", source_path("tests/integration/grpc_echo.py"), "client",
                     "--port", std::to_string(proxy.http_port()), "--count", std::to_string(count)},
                    30s);
    boost::system::error_code ec;
    auto value = boost::json::parse(result.out, ec);
    if (result.exit_status != 0 || ec || !value.is_object()) {
      ADD_FAILURE() << "grpc_echo.py client exited " << result.exit_status << "\n"
                    << result.out << result.err;
      return {};
    }
    return value.as_object();
  }

  // Declared before the proxy so that the proxy stops first.
  std::vector<std::unique_ptr<child_process>> servers_;
  proxy_process proxy;
};

TEST_F(h2c_grpc, unary_and_server_streaming_calls_with_trailers_end_to_end) {
  const auto port = start_server("blue");
  ASSERT_NE(port, 0);
  ASSERT_TRUE(start_proxy(
      "  blue: { endpoints: [\"127.0.0.1:" + std::to_string(port) + "\"], protocol: h2c }\n",
      "{ blue: 100 }"));
  auto result = call(500);
  ASSERT_FALSE(result.empty());
  EXPECT_EQ(result.at("unary").as_string(), "hello from blue");
  // Trailers (grpc-status and the server's own) came through.
  EXPECT_EQ(result.at("unary_trailers").as_object().at("x-served-by").as_string(), "blue");
  const auto& stream = result.at("stream").as_array();
  ASSERT_EQ(stream.size(), 500U);
  EXPECT_EQ(stream.at(499).as_string(), "499 blue");
  // A trailers-only error answer keeps its code and message.
  EXPECT_EQ(result.at("fail").as_string(), "NOT_FOUND");
  EXPECT_EQ(result.at("fail_details").as_string(), "no such thing");
  // HTTP/1.1 clients are not bridged to h2c stacks: a clear 502, not a hang.
  const auto http1 =
      run_command({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{response_code}", "--http1.1",
                   "http://127.0.0.1:" + std::to_string(proxy.http_port()) + "/"});
  EXPECT_EQ(http1.out, "502");
  EXPECT_TRUE(eventually(
      [&] {
        return proxy.metric("quikedge_grpc_responses_total",
                            {{"stack", "blue"}, {"grpc_status", "0"}}) == 2 &&
               proxy.metric("quikedge_grpc_responses_total",
                            {{"stack", "blue"}, {"grpc_status", "5"}}) == 1 &&
               proxy.metric("http_requests_total", {{"stack", "blue"}, {"status", "200"}}) == 3;
      },
      5s));
}

TEST_F(h2c_grpc, the_upstream_connection_window_comes_back_for_every_response) {
  // 320 answers of 60,000 bytes: 19.2 MB through one upstream connection, past its
  // 16 MiB window. Each answer's last bytes arrive together with its stream's
  // end (h2c_upstream.py writes them at once); if those were not given back to
  // the connection's window then, it would shrink with every answer until the
  // upstream could send nothing more and every later request hung.
  servers_.push_back(std::make_unique<child_process>(std::vector<std::string>{
      "/usr/bin/python3", source_path("tests/integration/h2c_upstream.py"), "--size", "60000"}));
  const auto line = servers_.back()->wait_for_line("listening on ", deadline_in(20s));
  ASSERT_TRUE(line);
  ASSERT_TRUE(start_proxy(
      "  blue: { endpoints: [\"127.0.0.1:" + line->substr(13) + "\"], protocol: h2c }\n",
      "{ blue: 100 }"));
  // One client connection per request, as curl in a loop makes them: each
  // ends as soon as its answer is in, before the client took the last bytes.
  const auto url = "http://127.0.0.1:" + std::to_string(proxy.http_port()) + "/";
  const auto result =
      run_command({"/bin/sh", "-c",
                   "for i in $(seq 320); do r=$(/usr/bin/curl -s -o /dev/null --max-time 3 "
                   "--http2-prior-knowledge -w '%{http_code}:%{size_download}' " +
                       url + "); echo $r; [ $r = 200:60000 ] || break; done | sort | uniq -c"},
                  120s);
  EXPECT_EQ(result.out, "    320 200:60000\n") << result.err;
}

TEST_F(h2c_grpc, an_unreachable_h2c_endpoint_is_a_502_with_its_body) {
  // The proxy's own answer on an h2c stack used to stop after its head: the
  // client waited for a body that was never framed.
  const auto closed_port = unused_port();
  ASSERT_TRUE(start_proxy(
      "  blue: { endpoints: [\"127.0.0.1:" + std::to_string(closed_port) + "\"], protocol: h2c }\n",
      "{ blue: 100 }"));
  const auto started = std::chrono::steady_clock::now();
  const auto result =
      run_command({"/usr/bin/curl", "-s", "--max-time", "5", "--http2-prior-knowledge", "-w",
                   "|%{http_code}", "http://127.0.0.1:" + std::to_string(proxy.http_port()) + "/"},
                  10s);
  EXPECT_EQ(result.out, "502 Bad Gateway\n|502") << result.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
}

TEST_F(h2c_grpc, an_interim_103_from_the_upstream_is_not_taken_for_the_answer) {
  // The 103 was relayed as the answer, the body after it, and the 200's fields
  // as trailers.
  servers_.push_back(std::make_unique<child_process>(
      std::vector<std::string>{"/usr/bin/python3", source_path("tests/integration/h2c_upstream.py"),
                               "--size", "1000", "--early-hints"}));
  const auto line = servers_.back()->wait_for_line("listening on ", deadline_in(20s));
  ASSERT_TRUE(line);
  ASSERT_TRUE(start_proxy(
      "  blue: { endpoints: [\"127.0.0.1:" + line->substr(13) + "\"], protocol: h2c }\n",
      "{ blue: 100 }"));
  const auto result = run_command({"/usr/bin/curl", "-s", "-o", "/dev/null", "--max-time", "5",
                                   "--http2-prior-knowledge", "-w", "%{http_code}:%{size_download}",
                                   "http://127.0.0.1:" + std::to_string(proxy.http_port()) + "/"},
                                  10s);
  EXPECT_EQ(result.out, "200:1000") << result.err;
  EXPECT_EQ(result.exit_status, 0);
}

TEST_F(h2c_grpc, calls_split_by_weight_between_two_h2c_stacks) {
  const auto blue = start_server("blue");
  const auto green = start_server("green");
  ASSERT_NE(blue, 0);
  ASSERT_NE(green, 0);
  ASSERT_TRUE(start_proxy("  blue: { endpoints: [\"127.0.0.1:" + std::to_string(blue) +
                              "\"], protocol: h2c }\n  green: { endpoints: [\"127.0.0.1:" +
                              std::to_string(green) + "\"], protocol: h2c }\n",
                          "{ blue: 50, green: 50 }"));
  // Three calls per client run, ten runs: 30 calls, exactly 15 per stack.
  for (int i = 0; i < 10; ++i) {
    ASSERT_FALSE(call(3).empty());
  }
  EXPECT_TRUE(eventually(
      [&] {
        return proxy.metric("http_requests_total", {{"stack", "blue"}}) == 15 &&
               proxy.metric("http_requests_total", {{"stack", "green"}}) == 15;
      },
      5s));
}

}  // namespace
}  // namespace quikedge::test
