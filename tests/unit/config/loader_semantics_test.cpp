// What the loader fills in beyond the literal text: defaults, file order,
// resolved paths, normalised values, and the shared validate() for code-built configs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "config/validate.hpp"
#include "quikedge/config_loader.hpp"

namespace quikedge {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string describe(const std::vector<config_error>& errors) {
  std::string text;
  for (const config_error& e : errors) {
    text += "\n  " + e.to_string();
  }
  return text.empty() ? "\n  (no errors)" : text;
}

const std::string listener = "listeners:\n  - { name: http, address: 127.0.0.1:8080 }\n";

config load_ok(const std::string& text) {
  config_load_result result = load_config_text(text, "test.yaml");
  EXPECT_TRUE(result.errors.empty()) << text << describe(result.errors);
  return result.value.value_or(config{});
}

std::vector<config_error> load_errors(const std::string& text) {
  return load_config_text(text, "test.yaml").errors;
}

TEST(LoaderSemantics, StacksKeepFileOrderAndUnnamedStacksWeighZero) {
  config cfg = load_ok(listener +
                       "stacks:\n"
                       "  zeta: { endpoints: [\"127.0.0.1:1\"] }\n"
                       "  alpha: { endpoints: [\"127.0.0.1:2\"] }\n"
                       "  mid-1: { endpoints: [\"127.0.0.1:3\"] }\n"
                       "routing:\n  weights: { alpha: 7 }\n");
  ASSERT_EQ(cfg.stacks.size(), 3U);
  EXPECT_EQ(cfg.stacks[0].name, "zeta");
  EXPECT_EQ(cfg.stacks[1].name, "alpha");
  EXPECT_EQ(cfg.stacks[2].name, "mid-1");
  EXPECT_EQ(cfg.routing.weights,
            (std::map<std::string, std::uint32_t>{{"alpha", 7}, {"mid-1", 0}, {"zeta", 0}}));
  EXPECT_EQ(cfg.source_file, "test.yaml");
}

const std::string one_stack =
    "stacks:\n  blue: { endpoints: [\"127.0.0.1:18081\"] }\nrouting:\n  weights: { blue: 1 }\n";

TEST(LoaderSemantics, AcceptsEveryIoBackendAndEveryLogLevel) {
  // Whether io_uring is available is decided when the proxy starts, not here.
  EXPECT_EQ(load_ok(listener + one_stack + "io_backend: io_uring\n").backend, io_backend::io_uring);
  EXPECT_EQ(load_ok(listener + one_stack + "io_backend: auto\n").backend, io_backend::automatic);
  EXPECT_EQ(load_ok(listener + one_stack + "io_backend: epoll\n").backend, io_backend::epoll);
  EXPECT_EQ(load_ok(listener + one_stack + "log_level: debug\n").level, log_level::debug);
  EXPECT_EQ(load_ok(listener + one_stack + "log_level: error\n").level, log_level::error);
}

TEST(LoaderSemantics, WorkersRange) {
  EXPECT_EQ(load_ok(listener + one_stack + "workers: 1024\n").workers, 1024U);
  EXPECT_EQ(load_errors(listener + one_stack + "workers: 1025\n").size(), 1U);
  EXPECT_EQ(load_errors(listener + one_stack + "workers: -1\n").size(), 1U);
}

TEST(LoaderSemantics, WeightBounds) {
  std::string stacks =
      "stacks:\n  blue: { endpoints: [\"127.0.0.1:1\"] }\n"
      "  green: { endpoints: [\"127.0.0.1:2\"] }\n";
  config cfg = load_ok(listener + stacks + "routing:\n  weights: { blue: 1000000, green: 0 }\n");
  EXPECT_EQ(cfg.routing.weights.at("blue"), 1000000U);
  EXPECT_EQ(load_errors(listener + stacks + "routing:\n  weights: { blue: 1000001 }\n").size(), 1U);
  EXPECT_EQ(load_errors(listener + stacks + "routing:\n  weights: { blue: 99999999999999999999 }\n")
                .size(),
            1U);
}

TEST(LoaderSemantics, HashKeySourcesAndTokenNormalisation) {
  config cfg = load_ok(listener + one_stack +
                       "  sticky: { hash_key: \"cookie:session\" }\n"
                       "admin:\n  address: 0.0.0.0:9901\n  tokens:\n"
                       "    - { name: ops, role: admin, token_sha256: \"" +
                       std::string(64, 'A') + "\" }\n");
  EXPECT_EQ(cfg.routing.sticky.hash_source, sticky_config::key_source::cookie);
  EXPECT_EQ(cfg.routing.sticky.hash_name, "session");
  ASSERT_EQ(cfg.admin.tokens.size(), 1U);
  EXPECT_EQ(cfg.admin.tokens[0].token_role, role::admin);
  EXPECT_EQ(cfg.admin.tokens[0].token_sha256, std::string(64, 'a'));
  for (const char* bad : {"header:", "cookie", "X-User-Id", ":name", "header:X User"}) {
    EXPECT_EQ(
        load_errors(listener + one_stack + "  sticky: { hash_key: \"" + bad + "\" }\n").size(), 1U)
        << bad;
  }
}

TEST(LoaderSemantics, PartialHealthCheckKeepsTheOtherDefaults) {
  config cfg = load_ok(listener +
                       "stacks:\n  blue:\n    endpoints: [\"127.0.0.1:1\"]\n"
                       "    health_check: { path: /ready, timeout: 250ms }\n"
                       "routing:\n  weights: { blue: 1 }\n");
  ASSERT_TRUE(cfg.stacks[0].health_check.has_value());
  EXPECT_EQ(cfg.stacks[0].health_check->path, "/ready");
  EXPECT_EQ(cfg.stacks[0].health_check->timeout, milliseconds(250));
  EXPECT_EQ(cfg.stacks[0].health_check->interval, health_check_config{}.interval);
}

TEST(LoaderSemantics, AdminLoopbackForms) {
  for (const char* bind : {"127.0.0.1:9901", "\"[::1]:9901\"", "localhost:9901", "127.0.0.2:0"}) {
    EXPECT_TRUE(load_errors(listener + one_stack + "admin: { address: " + bind + " }\n").empty())
        << bind;
  }
  for (const char* bind : {"0.0.0.0:9901", "\"[::]:9901\"", "10.1.2.3:9901", "admin.internal:80"}) {
    EXPECT_EQ(load_errors(listener + one_stack + "admin: { address: " + bind + " }\n").size(), 1U)
        << bind;
  }
}

TEST(LoaderSemantics, ListenerCollisions) {
  auto two = [](const char* a, const char* b) {
    return std::string("listeners:\n  - { name: a, address: \"") + a +
           "\" }\n  - { name: b, address: \"" + b + "\" }\n" + one_stack;
  };
  // Port 0 asks the kernel for a fresh port each time, so it never collides.
  EXPECT_TRUE(load_errors(two("127.0.0.1:0", "127.0.0.1:0")).empty());
  EXPECT_TRUE(load_errors(two("127.0.0.1:8080", "127.0.0.1:8081")).empty());
  EXPECT_TRUE(load_errors(two("127.0.0.1:8080", "127.0.0.2:8080")).empty());
  EXPECT_EQ(load_errors(two("127.0.0.1:8080", "127.0.0.1:8080")).size(), 1U);
  EXPECT_EQ(load_errors(two("[::]:8080", "0.0.0.0:8080")).size(), 1U);
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("quikedge_config_test_" + std::to_string(::getpid()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }
  /// Writes edge.yaml and loads it as a file.
  [[nodiscard]] config_load_result load_edge(const std::string& text) const {
    write("edge.yaml", text);
    return load_config_file((path_ / "edge.yaml").string());
  }

 private:
  fs::path path_;
};

/// One https listener whose tls block names `certificate` and `private_key`, then one_stack.
std::string https_edge(const std::string& certificate, const std::string& private_key) {
  return "listeners:\n  - name: https\n    address: 127.0.0.1:8443\n"
         "    tls: { certificate: " +
         certificate + ", private_key: " + private_key + " }\n" + one_stack;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// The repository's demo pair, copied into `dir` as cert.pem and key.pem.
void copy_demo_pair(const TempDir& dir) {
  const fs::path tls = fs::path(QUIKEDGE_SOURCE_DIR) / "config" / "tls";
  dir.write("cert.pem", read_text(tls / "localhost.crt"));
  dir.write("key.pem", read_text(tls / "localhost.key"));
}

TEST(LoaderSemantics, RelativeFilePathsAreRelativeToTheConfigFile) {
  TempDir dir;
  copy_demo_pair(dir);
  config_load_result result = dir.load_edge(https_edge("cert.pem", "/dev/null/x") +
                                            "admin: { audit_log: logs/audit.jsonl }\n");
  // /dev/null/x cannot exist; the relative certificate must resolve next to the file.
  ASSERT_EQ(result.errors.size(), 1U) << describe(result.errors);
  EXPECT_NE(result.errors[0].message.find("private_key: cannot read \"/dev/null/x\""),
            std::string::npos)
      << describe(result.errors);

  result = dir.load_edge(https_edge("cert.pem", "./key.pem") +
                         "admin: { audit_log: logs/audit.jsonl }\n");
  ASSERT_TRUE(result.value.has_value()) << describe(result.errors);
  const auto& pair = result.value->listeners[0].tls->certificates.at(0);
  EXPECT_EQ(fs::path(pair.certificate), dir.path() / "cert.pem");
  EXPECT_EQ(fs::path(pair.private_key), dir.path() / "key.pem");
  EXPECT_EQ(fs::path(result.value->admin.audit_log), dir.path() / "logs" / "audit.jsonl");
}

TEST(LoaderSemantics, TlsFilesThatAreNotPemAreRejected) {
  TempDir dir;
  dir.write("cert.pem", "not a certificate\n");
  dir.write("key.pem", "not a key\n");
  config_load_result result = dir.load_edge(https_edge("cert.pem", "key.pem"));
  ASSERT_EQ(result.errors.size(), 2U) << describe(result.errors);
  EXPECT_NE(result.errors[0].message.find("no PEM certificate"), std::string::npos);
  EXPECT_NE(result.errors[1].message.find("no PEM private key"), std::string::npos);
}

TEST(LoaderSemantics, CertificateListAndTlsOptionsAreRead) {
  TempDir dir;
  copy_demo_pair(dir);
  config_load_result result = dir.load_edge(
      "listeners:\n  - name: https\n    address: 127.0.0.1:8443\n"
      "    tls:\n"
      "      certificates:\n"
      "        - { certificate: cert.pem, private_key: key.pem }\n"
      "        - { certificate: cert.pem, private_key: key.pem,\n"
      "            server_names: [api.quikapp.com, \"*.quikapp.com\"] }\n"
      "      min_version: \"1.3\"\n"
      "      alpn: [h2, http/1.1]\n"
      "      session_tickets: false\n"
      "timeouts: { tls_handshake: 3s }\n" +
      one_stack);
  ASSERT_TRUE(result.value.has_value()) << describe(result.errors);
  const tls_config& tls = *result.value->listeners[0].tls;
  ASSERT_EQ(tls.certificates.size(), 2U);
  EXPECT_FALSE(tls.single_pair);
  EXPECT_EQ(tls.certificates[1].server_names,
            (std::vector<std::string>{"api.quikapp.com", "*.quikapp.com"}));
  EXPECT_EQ(tls.min_version, tls_version::v1_3);
  EXPECT_EQ(tls.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_FALSE(tls.session_tickets);
  EXPECT_EQ(result.value->timeouts.tls_handshake, std::chrono::seconds(3));
}

TEST(LoaderSemantics, EmptyTlsFileIsRejected) {
  TempDir dir;
  dir.write("empty.pem", "");
  dir.write("key.pem", "k\n");
  config_load_result result = dir.load_edge(https_edge("empty.pem", "key.pem"));
  ASSERT_EQ(result.errors.size(), 1U) << describe(result.errors);
  EXPECT_EQ(result.errors[0].line, 4);
  EXPECT_NE(result.errors[0].message.find("the file is empty"), std::string::npos);
}

// Admin weight patches are applied to a copy of the running config and checked
// with the same validate() as a file, without positions.
TEST(ValidateConfig, ChecksConfigsBuiltInCode) {
  config_load_result demo =
      load_config_file(std::string(QUIKEDGE_SOURCE_DIR) + "/config/demo.yaml");
  ASSERT_TRUE(demo.value.has_value()) << describe(demo.errors);
  EXPECT_TRUE(config_detail::validate_config(*demo.value).empty());

  config patched = *demo.value;
  patched.routing.weights = {{"blue", 0}, {"green", 0}};
  std::vector<config_error> errors = config_detail::validate_config(patched);
  ASSERT_EQ(errors.size(), 1U) << describe(errors);
  EXPECT_EQ(errors[0].line, 0);
  EXPECT_NE(errors[0].message.find("routing.weights: all weights are 0"), std::string::npos);

  patched.routing.weights = {{"blue", 1}, {"green", 2000000}, {"purple", 3}};
  errors = config_detail::validate_config(patched);
  ASSERT_EQ(errors.size(), 2U) << describe(errors);
  EXPECT_NE(describe(errors).find("routing.weights.green: weight 2000000 is above the maximum"),
            std::string::npos);
  EXPECT_NE(describe(errors).find("routing.weights.purple: weight for unknown stack"),
            std::string::npos);
}

}  // namespace
}  // namespace quikedge
