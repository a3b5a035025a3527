// Every config/*.yaml loads without errors, with the values it states.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "quikedge/config_loader.hpp"

namespace quikedge {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const fs::path config_dir = fs::path(QUIKEDGE_SOURCE_DIR) / "config";

std::string describe(const std::vector<config_error>& errors) {
  std::string text;
  for (const config_error& e : errors) {
    text += "\n  " + e.to_string();
  }
  return text;
}

config load_ok(const std::string& name) {
  config_load_result result = load_config_file((config_dir / name).string());
  EXPECT_TRUE(result.errors.empty()) << name << describe(result.errors);
  return result.value.value_or(config{});
}

std::vector<std::string> stack_names(const config& cfg) {
  std::vector<std::string> names;
  for (const stack_config& s : cfg.stacks) {
    names.push_back(s.name);
  }
  return names;
}

TEST(ValidConfigs, EveryFileInConfigDirLoads) {
  int loaded = 0;
  for (const auto& entry : fs::directory_iterator(config_dir)) {
    if (entry.path().extension() != ".yaml") {
      continue;
    }
    config_load_result result = load_config_file(entry.path().string());
    EXPECT_TRUE(result.errors.empty()) << entry.path() << describe(result.errors);
    ASSERT_TRUE(result.value.has_value()) << entry.path();
    EXPECT_EQ(result.value->source_file, entry.path().string());
    ++loaded;
  }
  EXPECT_GE(loaded, 3);  // quikedge.example.yaml, demo.yaml, minimal.yaml
}

TEST(ValidConfigs, DemoMatchesTheDemoSetup) {
  config cfg = load_ok("demo.yaml");
  ASSERT_EQ(cfg.listeners.size(), 1U);
  EXPECT_EQ(cfg.listeners[0].bind, (address{"127.0.0.1", 8080}));
  EXPECT_FALSE(cfg.listeners[0].tls.has_value());
  EXPECT_EQ(cfg.admin.bind, (address{"127.0.0.1", 9901}));
  EXPECT_TRUE(cfg.admin.tokens.empty());
  EXPECT_EQ(stack_names(cfg), (std::vector<std::string>{"blue", "green"}));
  ASSERT_NE(cfg.find_stack("blue"), nullptr);
  EXPECT_EQ(cfg.find_stack("blue")->endpoints, (std::vector<address>{{"127.0.0.1", 18081}}));
  EXPECT_EQ(cfg.find_stack("green")->endpoints, (std::vector<address>{{"127.0.0.1", 18082}}));
  EXPECT_EQ(cfg.find_stack("purple"), nullptr);
  EXPECT_EQ(cfg.routing.weights,
            (std::map<std::string, std::uint32_t>{{"blue", 90}, {"green", 10}}));
  EXPECT_EQ(cfg.level, log_level::info);
}

TEST(ValidConfigs, ExampleStatesEveryField) {
  config cfg = load_ok("quikedge.example.yaml");
  EXPECT_EQ(cfg.environment, "dev");
  EXPECT_EQ(cfg.backend, io_backend::automatic);
  ASSERT_EQ(cfg.listeners.size(), 2U);
  EXPECT_EQ(cfg.listeners[1].name, "https");
  EXPECT_FALSE(cfg.listeners[0].proxy_protocol);
  EXPECT_FALSE(cfg.listeners[1].proxy_protocol);
  ASSERT_TRUE(cfg.trusted_proxies.has_value());
  std::vector<std::string> trusted;
  for (const ip_range& range : *cfg.trusted_proxies) {
    trusted.push_back(range.to_string());
  }
  EXPECT_EQ(trusted,
            (std::vector<std::string>{"127.0.0.1/32", "::1/128", "10.0.0.0/8", "fd00::/8"}));
  ASSERT_TRUE(cfg.listeners[1].tls.has_value());
  // Relative to the config file, so it resolves wherever the process runs.
  ASSERT_EQ(cfg.listeners[1].tls->certificates.size(), 1U);
  EXPECT_EQ(fs::path(cfg.listeners[1].tls->certificates[0].certificate),
            config_dir / "tls" / "localhost.crt");
  EXPECT_EQ(fs::path(cfg.listeners[1].tls->certificates[0].private_key),
            config_dir / "tls" / "localhost.key");
  EXPECT_EQ(cfg.listeners[1].tls->min_version, tls_version::v1_2);
  EXPECT_EQ(cfg.listeners[1].tls->alpn, std::vector<std::string>{"http/1.1"});
  ASSERT_EQ(cfg.admin.tokens.size(), 2U);
  EXPECT_EQ(cfg.admin.tokens[0].name, "rollout-controller");
  EXPECT_EQ(cfg.admin.tokens[0].token_role, role::operator_);
  EXPECT_EQ(cfg.admin.tokens[1].token_role, role::readonly);
  EXPECT_EQ(cfg.admin.audit_log, "/tmp/quikedge-audit.jsonl");

  const stack_config* blue = cfg.find_stack("blue");
  ASSERT_NE(blue, nullptr);
  EXPECT_EQ(blue->endpoints.size(), 2U);
  ASSERT_TRUE(blue->health_check.has_value());
  EXPECT_EQ(blue->health_check->interval, milliseconds(2000));
  EXPECT_EQ(blue->health_check->unhealthy_threshold, 3);
  EXPECT_FALSE(cfg.find_stack("green")->health_check.has_value());

  EXPECT_EQ(cfg.routing.weights,
            (std::map<std::string, std::uint32_t>{{"blue", 100}, {"green", 0}}));
  EXPECT_EQ(cfg.routing.override_header, "X-QuikApp-Stack");
  EXPECT_EQ(cfg.routing.sticky.cookie, "quikedge_stack");
  EXPECT_EQ(cfg.routing.sticky.cookie_ttl, milliseconds(3600 * 1000));
  EXPECT_EQ(cfg.routing.sticky.hash_source, sticky_config::key_source::header);
  EXPECT_EQ(cfg.routing.sticky.hash_name, "X-User-Id");
  EXPECT_EQ(cfg.routing.websocket.drain_timeout, milliseconds(30000));
  EXPECT_EQ(cfg.routing.websocket.rollback_drain_timeout, milliseconds(0));
  EXPECT_EQ(cfg.timeouts.upstream_response, milliseconds(30000));
  EXPECT_EQ(cfg.limits.max_request_body_bytes, 10485760U);
  ASSERT_EQ(cfg.rollout.steps.size(), 3U);
  EXPECT_EQ(cfg.rollout.steps[1].weight, 50U);
  EXPECT_EQ(cfg.rollout.steps[1].pause, milliseconds(600000));
  EXPECT_EQ(cfg.rollout.steps[2].pause, milliseconds(0));
  EXPECT_DOUBLE_EQ(cfg.rollout.gates.max_error_rate, 0.001);
  EXPECT_EQ(cfg.rollout.gates.max_p99_latency, milliseconds(500));
}

TEST(ValidConfigs, MinimalTakesTheDefaults) {
  config cfg = load_ok("minimal.yaml");
  const config defaults;
  EXPECT_EQ(cfg.environment, "live");
  EXPECT_EQ(cfg.workers, 0U);
  EXPECT_EQ(cfg.backend, io_backend::automatic);
  EXPECT_EQ(cfg.level, log_level::warn);
  EXPECT_EQ(cfg.admin.bind, (address{"127.0.0.1", 9901}));
  EXPECT_EQ(cfg.timeouts.idle, defaults.timeouts.idle);
  EXPECT_EQ(cfg.limits.max_connections, defaults.limits.max_connections);
  ASSERT_EQ(cfg.rollout.steps.size(), 3U);
  EXPECT_EQ(cfg.rollout.steps.back().weight, 100U);
  EXPECT_EQ(cfg.routing.weights, (std::map<std::string, std::uint32_t>{{"blue", 100}}));
  EXPECT_EQ(cfg.routing.sticky.hash_source, sticky_config::key_source::none);
  EXPECT_FALSE(cfg.listeners.at(0).proxy_protocol);
  EXPECT_FALSE(cfg.trusted_proxies.has_value());
}

TEST(ValidConfigs, FleetEtcdStatesItsStore) {
  config cfg = load_ok("fleet-etcd.yaml");
  EXPECT_EQ(cfg.state.backend, state_backend::etcd);
  ASSERT_EQ(cfg.state.etcd.endpoints.size(), 3U);
  EXPECT_EQ(cfg.state.etcd.endpoints[1], (address{"127.0.0.1", 22379}));
  EXPECT_EQ(cfg.state.etcd.prefix, "/quikedge/live");
  EXPECT_EQ(cfg.state.etcd.lease_ttl, milliseconds(5000));
  // Left empty in the file: hostname:admin-port, so replicas on one host differ.
  EXPECT_TRUE(cfg.state.etcd.replica_id.ends_with(":9901")) << cfg.state.etcd.replica_id;
  EXPECT_GT(cfg.state.etcd.replica_id.size(), 5U);
}

TEST(ValidConfigs, EtcdOverTlsWithAUserReadsEverySetting) {
  const fs::path dir =
      fs::temp_directory_path() / ("quikedge-etcd-cfg-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "etcd-password") << "secret\n";
  auto loaded = load_config_text(
      "stacks: { blue: { endpoints: [\"127.0.0.1:1\"] } }\n"
      "routing: { weights: { blue: 100 } }\n"
      "listeners: [ { name: http, address: \"127.0.0.1:0\" } ]\n"
      "state:\n"
      "  backend: etcd\n"
      "  etcd:\n"
      "    endpoints: [\"https://etcd-0.etcd:2379\", \"https://10.0.0.6:2379/\"]\n"
      "    tls: { sni: etcd.internal, verify: false }\n"
      "    username: quikedge\n"
      "    password_file: " +
          (dir / "etcd-password").string() + "\n",
      "inline.yaml");
  fs::remove_all(dir);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const etcd_config& etcd = loaded.value->state.etcd;
  EXPECT_TRUE(etcd.use_tls);
  ASSERT_EQ(etcd.endpoints.size(), 2U);
  EXPECT_EQ(etcd.endpoints[0], (address{"etcd-0.etcd", 2379}));
  EXPECT_EQ(etcd.endpoints[1], (address{"10.0.0.6", 2379}));
  ASSERT_TRUE(etcd.tls);
  EXPECT_EQ(etcd.tls->sni, "etcd.internal");
  EXPECT_FALSE(etcd.tls->verify);
  EXPECT_TRUE(etcd.tls->ca.empty());  // the system store
  EXPECT_EQ(etcd.username, "quikedge");
  EXPECT_EQ(etcd.password_file, (dir / "etcd-password").string());
}

TEST(ValidConfigs, StateDefaultsToTheFileBackend) {
  config cfg = load_ok("minimal.yaml");
  EXPECT_EQ(cfg.state.backend, state_backend::file);
  // Named either way: GET /api/v1/fleet lists this replica alone by it.
  EXPECT_TRUE(cfg.state.etcd.replica_id.ends_with(":9901")) << cfg.state.etcd.replica_id;
}

TEST(ValidConfigs, AReplicaOnAnAdminPortChosenByTheKernelIsNamedByItsProcess) {
  auto loaded = load_config_text(
      "stacks: { blue: { endpoints: [\"127.0.0.1:1\"] } }\n"
      "routing: { weights: { blue: 100 } }\n"
      "listeners: [ { name: http, address: \"127.0.0.1:0\" } ]\n"
      "admin: { address: \"127.0.0.1:0\" }\n",
      "inline.yaml");
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const auto& id = loaded.value->state.etcd.replica_id;
  EXPECT_TRUE(id.ends_with(":pid" + std::to_string(::getpid()))) << id;
}

}  // namespace
}  // namespace quikedge
