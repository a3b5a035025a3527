// Table test over config/invalid/*.yaml: each file states its one expected error
// on its first line ("# expect: LINE:COL: text") and must produce exactly that.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "quikedge/config_loader.hpp"

namespace quikedge {
namespace {

namespace fs = std::filesystem;

const fs::path invalid_dir = fs::path(QUIKEDGE_SOURCE_DIR) / "config" / "invalid";

struct expectation {
  int line = 0;
  int column = 0;
  std::string text;
};

std::vector<fs::path> invalid_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(invalid_dir)) {
    if (entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::optional<expectation> read_expectation(const fs::path& file) {
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  static const std::regex pattern(R"(^# expect: (\d+):(\d+): (.+)$)");
  std::smatch match;
  if (!std::regex_match(first, match, pattern)) {
    return std::nullopt;
  }
  return expectation{std::stoi(match[1]), std::stoi(match[2]), match[3]};
}

std::string describe(const std::vector<config_error>& errors) {
  std::string text;
  for (const config_error& e : errors) {
    text += "\n  " + e.to_string();
  }
  return text.empty() ? "\n  (no errors)" : text;
}

class InvalidConfigFile : public ::testing::TestWithParam<fs::path> {};

TEST_P(InvalidConfigFile, ReportsExactlyTheStatedErrorAtTheStatedPosition) {
  const fs::path& file = GetParam();
  auto expected = read_expectation(file);
  ASSERT_TRUE(expected.has_value()) << file << ": first line must be '# expect: LINE:COL: text'";

  config_load_result result = load_config_file(file.string());

  EXPECT_FALSE(result.value.has_value()) << "an invalid file must not produce a config";
  // One error class per file: a second error would be a follow-on of the first.
  ASSERT_EQ(result.errors.size(), 1U) << describe(result.errors);
  const config_error& error = result.errors.front();
  EXPECT_EQ(error.file, file.string());
  EXPECT_EQ(error.line, expected->line) << describe(result.errors);
  EXPECT_EQ(error.column, expected->column) << describe(result.errors);
  EXPECT_NE(error.message.find(expected->text), std::string::npos)
      << "expected the message to contain: " << expected->text << describe(result.errors);
  std::string prefix = file.string() + ":" + std::to_string(expected->line) + ":" +
                       std::to_string(expected->column) + ": ";
  EXPECT_EQ(error.to_string().rfind(prefix, 0), 0U) << error.to_string();
}

INSTANTIATE_TEST_SUITE_P(ConfigDir, InvalidConfigFile, ::testing::ValuesIn(invalid_files()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           return info.param.stem().string();
                         });

// The table above passes on an empty folder; this pins the classes it must cover.
TEST(InvalidConfigTable, CoversEveryRequiredErrorClass) {
  const char* required[] = {
      "unknown_top_level_key",
      "unknown_nested_key",
      "weight_unknown_stack",
      "weight_negative",
      "weight_not_integer",
      "weights_all_zero",
      "bad_address",
      "bad_duration",
      "tls_file_unreadable",
      "tls_key_mismatch",
      "tls_certificate_not_pem",
      "tls_min_version_1_1",
      "missing_stacks",
      "stack_without_endpoints",
      "duplicate_listener_address",
      "bad_io_backend",
      "bad_log_level",
      "hash_key_malformed",
      "bad_token_role",
      "bad_token_sha256",
      "admin_not_loopback_without_tokens",
      "rollout_step_weight_over_100",
      "rollout_steps_not_increasing",
      "max_error_rate_out_of_range",
      "yaml_syntax_error",
      "wrong_type_list_for_map",
      "proxy_protocol_not_a_bool",
      "trusted_proxies_bad_address",
      "trusted_proxies_host_bits_set",
      "trusted_proxies_not_a_list",
      "trusted_proxies_prefix_out_of_range",
  };
  for (const char* name : required) {
    fs::path file = invalid_dir / (std::string(name) + ".yaml");
    EXPECT_TRUE(fs::exists(file)) << file;
    EXPECT_TRUE(read_expectation(file).has_value()) << file;
  }
}

// The text entry point reports the same as the file one (files whose errors do
// not depend on relative paths, which only load_config_file resolves).
TEST(InvalidConfigTable, TextEntryPointReportsTheSameErrors) {
  int compared = 0;
  for (const fs::path& file : invalid_files()) {
    if (file.stem().string().starts_with("tls_")) {
      continue;
    }
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    config_load_result from_file = load_config_file(file.string());
    config_load_result from_text = load_config_text(text, file.string());
    ASSERT_EQ(from_text.errors.size(), from_file.errors.size()) << file;
    for (std::size_t i = 0; i < from_file.errors.size(); ++i) {
      EXPECT_EQ(from_text.errors[i].to_string(), from_file.errors[i].to_string());
    }
    ++compared;
  }
  EXPECT_GE(compared, 20);
}

}  // namespace
}  // namespace quikedge
