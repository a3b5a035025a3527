// Admin API input checks (nothing changes on a refused call), probes,
// metrics counts, and quikctl's JSON output.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

class admin : public two_stacks {
 protected:
  void SetUp() override { ASSERT_TRUE(start(90, 10)); }

  /// Version and weights, the part of the state a refused call must not touch.
  std::string versioned_weights() {
    auto state = proxy.state();
    if (!state.is_object()) {
      return "no state";
    }
    return boost::json::serialize(state.at("version")) + " " +
           boost::json::serialize(state.at("weights"));
  }
};

struct bad_weights {
  const char* name;
  const char* body;
};

void PrintTo(const bad_weights& weights, std::ostream* out) {
  *out << weights.body;
}

class refused_weights : public admin, public testing::WithParamInterface<bad_weights> {};

TEST_P(refused_weights, are_400_with_an_error_and_change_nothing) {
  const std::string before = versioned_weights();
  auto response = proxy.admin("PUT", "/api/v1/weights", GetParam().body);
  EXPECT_EQ(response.status, 400) << response.body;
  boost::system::error_code ec;
  auto json = boost::json::parse(response.body, ec);
  EXPECT_TRUE(!ec && json.is_object() && json.as_object().contains("error") &&
              json.at("error").is_string())
      << response.body;
  EXPECT_EQ(versioned_weights(), before);
}

INSTANTIATE_TEST_SUITE_P(
    admin, refused_weights,
    testing::Values(bad_weights{"not_json", "{\"weights\": {\"blue\": 50,"},
                    bad_weights{"not_an_object", "[1, 2]"},
                    bad_weights{"unknown_stack",
                                R"({"weights":{"blue":50,"green":40,"purple":10}})"},
                    bad_weights{"missing_stack", R"({"weights":{"blue":100}})"},
                    bad_weights{"negative", R"({"weights":{"blue":-10,"green":110}})"},
                    bad_weights{"float", R"({"weights":{"blue":50.5,"green":49.5}})"},
                    bad_weights{"string", R"({"weights":{"blue":"50","green":50}})"},
                    bad_weights{"all_zero", R"({"weights":{"blue":0,"green":0}})"},
                    bad_weights{"huge", R"({"weights":{"blue":99999999999999999999,"green":1}})"},
                    bad_weights{"no_weights", R"({"blue":50,"green":50})"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(admin, changes_without_a_json_content_type_are_415) {
  const std::string before = versioned_weights();
  const std::string body = R"({"weights":{"blue":50,"green":50}})";
  EXPECT_EQ(proxy.admin("PUT", "/api/v1/weights", body, "text/plain").status, 415);
  EXPECT_EQ(proxy.admin("PUT", "/api/v1/weights", body, "").status, 415);
  EXPECT_EQ(proxy.admin("POST", "/api/v1/rollback", R"({"to":"blue"})", "text/plain").status, 415);
  EXPECT_EQ(versioned_weights(), before);
  EXPECT_EQ(proxy.admin("PUT", "/api/v1/weights", body, "application/json; charset=utf-8").status,
            200);
}

TEST_F(admin, a_stale_if_match_is_409_and_changes_nothing) {
  const auto version = proxy.state().at("version").to_number<std::uint64_t>();
  const std::string before = versioned_weights();
  http_client client(proxy.admin_port());
  auto response = client.request("PUT", "/api/v1/weights",
                                 {{"Content-Type", "application/json"},
                                  {"If-Match", "\"" + std::to_string(version + 7) + "\""}},
                                 R"({"weights":{"blue":50,"green":50}})");
  EXPECT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(versioned_weights(), before);
}

TEST_F(admin, without_tokens_only_calls_addressed_to_a_loopback_name_are_served) {
  // DNS rebinding: a page on rebind.example, its name now resolving to
  // 127.0.0.1, calls the tokenless admin port; the browser sends its own Host.
  const std::string before = versioned_weights();
  const std::string body = R"({"weights":{"blue":0,"green":100}})";
  for (const char* host :
       {"rebind.example", "rebind.example:9901", "127.0.0.1.evil.example", "[::2]:9901", ""}) {
    http_client client(proxy.admin_port());
    auto response = client.request("PUT", "/api/v1/weights",
                                   {{"Host", host}, {"Content-Type", "application/json"}}, body);
    EXPECT_EQ(response.status, 403) << host << ": " << response.body;
    http_client reader(proxy.admin_port());
    EXPECT_EQ(reader.request("GET", "/api/v1/state", {{"Host", host}}).status, 403) << host;
  }
  EXPECT_EQ(versioned_weights(), before);
  // Probes and metrics stay open to any Host (kubelet, Prometheus by pod IP).
  http_client probe(proxy.admin_port());
  EXPECT_EQ(probe.request("GET", "/healthz", {{"Host", "10.1.2.3:9901"}}).status, 200);
  for (const char* host : {"127.0.0.1", "127.0.0.1:9901", "localhost:9901", "[::1]:9901"}) {
    http_client client(proxy.admin_port());
    EXPECT_EQ(client.request("GET", "/api/v1/state", {{"Host", host}}).status, 200) << host;
  }
}

TEST_F(admin, accepted_weights_bump_the_version) {
  const auto version = proxy.state().at("version").to_number<std::uint64_t>();
  auto response = proxy.set_weights({{"blue", 30}, {"green", 70}});
  ASSERT_EQ(response.status, 200) << response.body;
  auto state = proxy.state();
  EXPECT_EQ(state.at("version").to_number<std::uint64_t>(), version + 1);
  EXPECT_EQ(state.at("weights").at("green").to_number<int>(), 70);
}

TEST_F(admin, probes_answer) {
  EXPECT_EQ(proxy.admin("GET", "/readyz").status, 200);
  EXPECT_EQ(proxy.admin("GET", "/healthz").status, 200);
  EXPECT_EQ(proxy.admin("GET", "/no/such/endpoint").status, 404);
}

TEST_F(admin, metrics_count_a_known_request_mix) {
  http_client client(port());
  const header_list to_blue = {{"X-QuikApp-Stack", "blue"}};
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(client.get("/", to_blue).status, 200);
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(client.get("/status/503", to_blue).status, 503);
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(client.get("/status/404", {{"X-QuikApp-Stack", "green"}}).status, 404);
  }
  auto count = [&](const char* stack, const char* status, double expected) {
    return eventually(
        [&]() -> testing::AssertionResult {
          double value =
              proxy.metric("http_requests_total",
                           {{"environment", "test"}, {"stack", stack}, {"status", status}});
          if (value == expected) {
            return testing::AssertionSuccess();
          }
          return testing::AssertionFailure() << stack << " " << status << " is " << value;
        },
        std::chrono::seconds(5), "http_requests_total");
  };
  EXPECT_TRUE(count("blue", "200", 5));
  EXPECT_TRUE(count("blue", "503", 3));
  EXPECT_TRUE(count("green", "404", 2));
  EXPECT_TRUE(count("green", "200", 0)) << "key statuses are exported at 0 before any request";
  EXPECT_EQ(proxy.metric("quikedge_stack_weight", {{"stack", "blue"}}), 90);
  EXPECT_EQ(proxy.metric("quikedge_stack_weight", {{"stack", "green"}}), 10);
}

TEST_F(admin, quikctl_state_as_json) {
  auto result =
      run_command({bin_path("quikctl"), "--admin", proxy.admin_url(), "--output", "json", "state"});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  boost::system::error_code ec;
  auto output = boost::json::parse(result.out, ec);
  ASSERT_FALSE(ec) << result.out;
  // {"admin":URL,"status":200,"response":STATE,"error":""}
  EXPECT_EQ(output.at("status").to_number<int>(), 200) << result.out;
  const auto& state = output.at("response");
  EXPECT_EQ(state.at("weights").at("blue").to_number<int>(), 90);
  EXPECT_EQ(state.at("weights").at("green").to_number<int>(), 10);
}

TEST_F(admin, quikctl_reports_a_refused_change) {
  const std::string before = versioned_weights();
  auto result = run_command(
      {bin_path("quikctl"), "--admin", proxy.admin_url(), "weights", "blue=0", "green=0"});
  EXPECT_EQ(result.exit_status, 1) << result.out << result.err;
  EXPECT_EQ(versioned_weights(), before);
}

}  // namespace
}  // namespace quikedge::test
