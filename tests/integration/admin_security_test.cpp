// Issue 4: roles and tokens on every endpoint, the audit trail, reload that
// refuses bad files, and weight changes and reloads under continuous load.
#include <gtest/gtest.h>

#include <signal.h>

#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "admin/auth.hpp"
#include "support/child_process.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/upstream_process.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

class admin_security : public ::testing::Test {
 protected:
  void SetUp() override {
    blue_ = std::make_unique<upstream_process>("blue");
    green_ = std::make_unique<upstream_process>("green");
    ASSERT_TRUE(blue_->start());
    ASSERT_TRUE(green_->start());
    ASSERT_TRUE(proxy_.start(yaml(100, 0)));
  }

  /// The config: three tokens, one per role, and an audit log in the proxy's directory.
  std::string yaml(int blue, int green, const std::string& extra = "") {
    auto token = [](const std::string& name, const std::string& role) {
      return "    - { name: " + name + ", role: " + role + ", token_sha256: \"" +
             admin::sha256_hex(name + "-secret") + "\" }\n";
    };
    return "workers: 2\n"
           "listeners: [{ name: http, address: \"127.0.0.1:0\" }]\n"
           "admin:\n  address: \"127.0.0.1:0\"\n  max_body_bytes: 4096\n"
           "  audit_log: audit.jsonl\n  tokens:\n" +
           token("viewer", "readonly") + token("deployer", "operator") + token("root", "admin") +
           "stacks:\n  blue: { endpoints: [\"" + blue_->address() +
           "\"] }\n  green: { endpoints: [\"" + green_->address() + "\"] }\n" +
           "routing:\n  weights: { blue: " + std::to_string(blue) +
           ", green: " + std::to_string(green) + " }\n  stack_response_header: X-QuikEdge-Stack\n" +
           extra;
  }

  http_response call(std::string_view method, std::string_view target, const std::string& who,
                     std::string_view body = {}, std::string content_type = "application/json") {
    header_list headers;
    if (!who.empty()) {
      headers.emplace_back("Authorization", "Bearer " + who + "-secret");
    }
    if (!content_type.empty() && (method == "POST" || method == "PUT")) {
      headers.emplace_back("Content-Type", content_type);
    }
    http_client client;
    if (!client.connect(proxy_.admin_port())) {
      return {};
    }
    return client.request(method, target, headers, body);
  }

  std::uint64_t version() {
    auto state = call("GET", "/api/v1/state", "viewer");
    return boost::json::parse(state.body).at("version").to_number<std::uint64_t>();
  }

  std::vector<boost::json::value> audit_lines() {
    std::ifstream in(proxy_.directory() / "audit.jsonl");
    std::vector<boost::json::value> lines;
    for (std::string line; std::getline(in, line);) {
      lines.push_back(boost::json::parse(line));
    }
    return lines;
  }

  std::unique_ptr<upstream_process> blue_;
  std::unique_ptr<upstream_process> green_;
  proxy_process proxy_;
};

TEST_F(admin_security, every_endpoint_checks_its_role) {
  struct endpoint {
    std::string method;
    std::string target;
    std::string body;
    int needed;  // 0 readonly, 1 operator, 2 admin
  };
  const std::vector<endpoint> endpoints = {
      {"GET", "/api/v1/state", "", 0},
      {"GET", "/api/v1/rollout", "", 0},
      {"PUT", "/api/v1/weights", R"({"weights":{"blue":100,"green":0}})", 1},
      {"POST", "/api/v1/rollback", R"({"to":"blue"})", 1},
      {"POST", "/api/v1/reload", "", 2},
  };
  const std::vector<std::string> roles = {"viewer", "deployer", "root"};
  for (const auto& e : endpoints) {
    EXPECT_EQ(call(e.method, e.target, "").status, 401) << e.target << " without a token";
    EXPECT_EQ(call(e.method, e.target, "intruder").status, 401) << e.target << " bad token";
    for (std::size_t role = 0; role < roles.size(); ++role) {
      int status = call(e.method, e.target, roles[role], e.body).status;
      if (static_cast<int>(role) < e.needed) {
        EXPECT_EQ(status, 403) << e.target << " as " << roles[role];
      } else {
        EXPECT_EQ(status, 200) << e.target << " as " << roles[role];
      }
    }
  }
  // Probes and metrics stay open.
  for (const char* open : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(call("GET", open, "").status, 200) << open;
  }
  EXPECT_EQ(call("GET", "/api/v1/state", "").header("WWW-Authenticate"), "Bearer");
}

TEST_F(admin_security, bad_calls_are_refused_and_change_nothing) {
  const auto before = version();
  EXPECT_EQ(call("POST", "/api/v1/weights", "deployer", "{}").status, 405);
  EXPECT_EQ(call("DELETE", "/api/v1/state", "viewer").status, 405);
  EXPECT_EQ(call("GET", "/api/v1/nothing", "viewer").status, 404);
  EXPECT_EQ(call("PUT", "/api/v1/weights", "deployer", R"({"weights":{"blue":1,"green":1}})",
                 "text/plain")
                .status,
            415);
  std::string huge =
      R"({"weights":{"blue":1,"green":1},"reason":")" + std::string(8192, 'x') + "\"}";
  EXPECT_EQ(call("PUT", "/api/v1/weights", "deployer", huge).status, 413);
  EXPECT_EQ(call("POST", "/api/v1/rollback", "deployer", R"({"to":"purple"})").status, 400);
  EXPECT_EQ(version(), before);
  EXPECT_TRUE(audit_lines().empty());
}

TEST_F(admin_security, every_change_writes_one_audit_line_before_answering) {
  ASSERT_EQ(call("PUT", "/api/v1/weights", "deployer",
                 R"({"weights":{"blue":90,"green":10},"reason":"canary"})")
                .status,
            200);
  auto lines = audit_lines();  // read right after the answer: it must be there already
  ASSERT_EQ(lines.size(), 1U);
  const auto& line = lines[0].as_object();
  EXPECT_EQ(line.at("token").as_string(), "deployer");
  EXPECT_EQ(line.at("action").as_string(), "set_weights");
  EXPECT_EQ(line.at("reason").as_string(), "canary");
  EXPECT_EQ(line.at("before").at("blue").to_number<int>(), 100);
  EXPECT_EQ(line.at("after").at("green").to_number<int>(), 10);
  EXPECT_TRUE(line.at("client").as_string().starts_with("127.0.0.1"));
  EXPECT_TRUE(line.contains("time"));

  ASSERT_EQ(call("POST", "/api/v1/rollback", "deployer", "").status, 200);
  lines = audit_lines();
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[1].at("action").as_string(), "rollback");
  EXPECT_EQ(lines[1].at("after").at("green").to_number<int>(), 0);
}

TEST_F(admin_security, reload_of_an_invalid_file_changes_nothing) {
  ASSERT_EQ(
      call("PUT", "/api/v1/weights", "deployer", R"({"weights":{"blue":70,"green":30}})").status,
      200);
  const auto before = version();
  {
    std::ofstream out(proxy_.config_path());
    out << yaml(50, 50, "bogus_key: 1\n");
  }
  auto refused = call("POST", "/api/v1/reload", "root");
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("bogus_key"), std::string::npos) << refused.body;
  EXPECT_EQ(version(), before);
  auto state = boost::json::parse(call("GET", "/api/v1/state", "viewer").body);
  EXPECT_EQ(state.at("weights").at("green").to_number<int>(), 30);

  // SIGHUP with the same broken file: still nothing changes, and the proxy lives.
  ::kill(proxy_.process().pid(), SIGHUP);
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
  EXPECT_EQ(version(), before);

  // A valid file whose weights did not change keeps the API's weights (last change wins).
  {
    std::ofstream out(proxy_.config_path());
    out << yaml(100, 0, "timeouts: { upstream_response: 5s }\n");
  }
  ASSERT_EQ(call("POST", "/api/v1/reload", "root").status, 200);
  state = boost::json::parse(call("GET", "/api/v1/state", "viewer").body);
  EXPECT_EQ(state.at("weights").at("green").to_number<int>(), 30);
  // A file with new weights wins.
  {
    std::ofstream out(proxy_.config_path());
    out << yaml(20, 80);
  }
  ASSERT_EQ(call("POST", "/api/v1/reload", "root").status, 200);
  state = boost::json::parse(call("GET", "/api/v1/state", "viewer").body);
  EXPECT_EQ(state.at("weights").at("green").to_number<int>(), 80);
}

TEST_F(admin_security, a_reload_cannot_move_the_admin_port_or_drop_its_tokens_with_it) {
  // The port keeps its socket whatever the file says: moving it in the file
  // (say from 0.0.0.0 to loopback, where tokens are optional) and dropping the
  // tokens would leave the bound port open to anyone.
  const auto before = version();
  {
    std::ofstream out(proxy_.config_path());
    out << "workers: 2\n"
           "listeners: [{ name: http, address: \"127.0.0.1:0\" }]\n"
           "admin:\n  address: \"127.0.0.1:1\"\n  audit_log: audit.jsonl\n"
           "stacks:\n  blue: { endpoints: [\""
        << blue_->address() << "\"] }\n  green: { endpoints: [\"" << green_->address()
        << "\"] }\nrouting:\n  weights: { blue: 100, green: 0 }\n";
  }
  auto refused = call("POST", "/api/v1/reload", "root");
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("admin.address cannot change on reload"), std::string::npos)
      << refused.body;
  EXPECT_EQ(call("PUT", "/api/v1/weights", "", R"({"weights":{"blue":0,"green":100}})").status,
            401);
  EXPECT_EQ(version(), before);
}

TEST_F(admin_security, idle_connections_cannot_take_every_descriptor_or_lock_operators_out) {
  const double baseline = proxy_.metric("process_open_fds", {});
  ASSERT_GT(baseline, 0);
  // 300 connections that never send a byte, each held by the proxy for 30 s if
  // it let them.
  std::vector<http_client> idle(300);
  for (auto& client : idle) {
    ASSERT_TRUE(client.connect(proxy_.admin_port()));
  }
  // Each call's connection makes room by closing the oldest idle one, so the
  // operator is answered, and the proxy holds at most 128 admin connections.
  EXPECT_EQ(call("GET", "/healthz", "").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/state", "viewer").status, 200);
  const double open = proxy_.metric("process_open_fds", {});
  EXPECT_LT(open, baseline + 128 + 8) << "baseline " << baseline;
  EXPECT_GT(open, baseline + 100) << "the idle connections within the cap stay open";
}

long number_after(const std::string& text, const std::string& label) {
  std::smatch match;
  if (std::regex_search(text, match, std::regex(label + R"(\s+(\d+))"))) {
    return std::stol(match[1]);
  }
  return -1;
}

TEST_F(admin_security, weight_changes_and_reloads_under_load_lose_nothing) {
  child_process load({bin_path("quikedge-bench"), "--url",
                      "http://127.0.0.1:" + std::to_string(proxy_.http_port()) + "/",
                      "--connections", "16", "--duration", "4"});
  for (int i = 0; i < 200; ++i) {
    const int green = (i * 37) % 101;
    auto body = R"({"weights":{"blue":)" + std::to_string(100 - green) + R"(,"green":)" +
                std::to_string(green) + "}}";
    ASSERT_EQ(call("PUT", "/api/v1/weights", "deployer", body).status, 200);
    // The very next request follows the new weights where they leave no choice.
    if (green == 0 || green == 100) {
      auto response = http_get(proxy_.http_port(), "/");
      EXPECT_EQ(response.header("X-QuikEdge-Stack"), green == 0 ? "blue" : "green") << i;
    }
    if (i % 20 == 0) {
      ASSERT_EQ(call("POST", "/api/v1/reload", "root").status, 200);
    }
  }
  ASSERT_TRUE(load.wait_exit(deadline_in(60s)).has_value());
  load.wait_output_closed(deadline_in(10s));
  const std::string out = load.stdout_text();
  EXPECT_GT(number_after(out, "2xx"), 0) << out;
  EXPECT_EQ(number_after(out, "5xx"), 0) << out;
  EXPECT_EQ(number_after(out, "read"), 0) << out;
  EXPECT_EQ(number_after(out, "connect"), 0) << out;
  EXPECT_NE(out.find("0 of them reconnects"), std::string::npos) << out;
}

}  // namespace
}  // namespace quikedge::test
