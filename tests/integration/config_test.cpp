// `quikedge --check-config` over the shipped configs, and `--config` with an
// invalid file. Each config/invalid/*.yaml states its error in a "# expect:" comment.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "support/child_process.hpp"
#include "support/proxy_process.hpp"

namespace quikedge::test {
namespace {

namespace fs = std::filesystem;

/// The *.yaml files directly in `directory` (relative to the repository), sorted.
std::vector<std::string> yaml_files(std::string_view directory) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(source_path(directory), ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// "LINE:COL: message" from the file's "# expect: " comment, or "".
std::string expected_error(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  constexpr std::string_view marker = "# expect: ";
  while (std::getline(file, line)) {
    if (auto at = line.find(marker); at != std::string::npos) {
      return line.substr(at + marker.size());
    }
  }
  return "";
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).stem().string();
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

class invalid_config : public testing::TestWithParam<std::string> {};

TEST_P(invalid_config, check_config_prints_the_expected_location_and_exits_1) {
  const std::string& path = GetParam();
  const std::string expected = expected_error(path);
  ASSERT_FALSE(expected.empty()) << path << " has no \"# expect: LINE:COL: message\" comment";
  auto result = run_command({bin_path("quikedge"), "--check-config", path});
  EXPECT_EQ(result.exit_status, 1) << result.out << result.err;
  EXPECT_NE(result.err.find(path + ":" + expected), std::string::npos)
      << "expected \"" << path << ":" << expected << "\" on stderr, got:\n"
      << result.err;
}

TEST_P(invalid_config, running_it_exits_non_zero_without_listening) {
  auto result = run_command({bin_path("quikedge"), "--config", GetParam()});
  EXPECT_NE(result.exit_status, 0);
  EXPECT_NE(result.exit_status, -1) << "still running after 20 s";
  EXPECT_EQ(result.out.find("quikedge: listener"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("quikedge: ready"), std::string::npos) << result.out;
  EXPECT_FALSE(result.err.empty()) << "no error printed";
}

INSTANTIATE_TEST_SUITE_P(config, invalid_config, testing::ValuesIn(yaml_files("config/invalid")),
                         test_name);

class valid_config : public testing::TestWithParam<std::string> {};

TEST_P(valid_config, check_config_exits_0) {
  auto result = run_command({bin_path("quikedge"), "--check-config", GetParam()});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.err, "");
}

INSTANTIATE_TEST_SUITE_P(config, valid_config, testing::ValuesIn(yaml_files("config")), test_name);

TEST(config_files, there_are_files_to_check) {
  EXPECT_GE(yaml_files("config/invalid").size(), 10U);
  EXPECT_GE(yaml_files("config").size(), 3U);
}

TEST(config_files, every_error_of_a_file_is_reported) {
  const auto directory = make_temp_directory();
  const auto path = (directory / "two_errors.yaml").string();
  std::ofstream(path) << "listeners:\n"
                         "  - name: http\n"
                         "    address: 127.0.0.1:0\n"
                         "stacks:\n"
                         "  blue:\n"
                         "    endpoints: [\"127.0.0.1:1\"]\n"
                         "routing:\n"
                         "  weights: { blue: -1 }\n"
                         "tracing: on\n";
  auto result = run_command({bin_path("quikedge"), "--check-config", path});
  fs::remove_all(directory);
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.err.find(path + ":8:20: "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(path + ":9:1: "), std::string::npos) << result.err;
}

}  // namespace
}  // namespace quikedge::test
