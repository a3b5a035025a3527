// Error reporting as a whole: every error at once, in file order, without
// follow-on noise, and never an exception.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "quikedge/config_loader.hpp"

namespace quikedge {
namespace {

std::string describe(const std::vector<config_error>& errors) {
  std::string text;
  for (const config_error& e : errors) {
    text += "\n  " + e.to_string();
  }
  return text.empty() ? "\n  (no errors)" : text;
}

const char* const base_listeners = R"(
listeners:
  - name: http
    address: 127.0.0.1:8080
)";

struct located {
  int line;
  int column;
  const char* text;
};

/// Checks that `errors` are `expected`, in order: line, column and a part of the message;
/// with `file`, also the file each names.
void expect_located(const std::vector<config_error>& errors, std::span<const located> expected,
                    const char* file = nullptr) {
  ASSERT_EQ(errors.size(), expected.size()) << describe(errors);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const config_error& e = errors[i];
    if (file != nullptr) {
      EXPECT_EQ(e.file, file);
    }
    EXPECT_EQ(e.line, expected[i].line) << e.to_string();
    EXPECT_EQ(e.column, expected[i].column) << e.to_string();
    EXPECT_NE(e.message.find(expected[i].text), std::string::npos) << e.to_string();
  }
}

TEST(MultipleErrors, ReportsEveryErrorOfEveryLayerInFileOrder) {
  const std::string text =
      "workers: many\n"                                 // 1  shape
      "listeners:\n"                                    // 2
      "  - name: http\n"                                // 3
      "    address: 127.0.0.1:99999\n"                  // 4  shape
      "  - name: http\n"                                // 5  cross-reference
      "    address: 127.0.0.1:8081\n"                   // 6
      "stacks:\n"                                       // 7
      "  blue:\n"                                       // 8
      "    endpoints: []\n"                             // 9  meaning
      "routing:\n"                                      // 10
      "  weights: { blue: 10, purple: 5 }\n"            // 11 cross-reference
      "timeouts: { connect: 5 }\n"                      // 12 shape
      "rollout:\n"                                      // 13
      "  steps: [ { weight: 50 }, { weight: 20 } ]\n";  // 14 meaning
  config_load_result result = load_config_text(text, "multi.yaml");
  EXPECT_FALSE(result.value.has_value());
  const located expected[] = {
      {1, 10, "workers: must be a whole number, got many"},
      {4, 14, "port 99999 is out of range"},
      {5, 11, "listener name \"http\" is already used by listeners[0]"},
      {9, 16, "stacks.blue.endpoints: a stack needs at least one endpoint"},
      {11, 24, "weight for unknown stack \"purple\""},
      {12, 22, "timeouts.connect: bad duration \"5\""},
      {14, 38, "step weights must increase, got 20 after 50"},
  };
  expect_located(result.errors, expected, "multi.yaml");
}

struct single_error_case {
  const char* name;
  std::string text;
  const char* expected;  // substring of the only error
};

// A value that could not be read is reported once; the later layers must not
// report the same mistake again in other words.
TEST(MultipleErrors, NoFollowOnErrorsFromUnreadableValues) {
  const std::string listeners = base_listeners;
  const single_error_case cases[] = {
      {"missing stacks do not make weights unknown",
       listeners + "routing:\n  weights: { blue: 100, green: 5 }\n", "stacks: required key"},
      {"a negative weight does not make the sum zero",
       listeners + "stacks:\n  blue: { endpoints: [\"127.0.0.1:1\"] }\n"
                   "routing:\n  weights: { blue: -1 }\n",
       "must not be negative"},
      {"missing routing does not make the sum zero",
       listeners + "stacks:\n  blue: { endpoints: [\"127.0.0.1:1\"] }\n", "routing: required key"},
      {"a bad endpoint does not leave the stack without endpoints",
       listeners + "stacks:\n  blue: { endpoints: [\"nope\"] }\nrouting:\n  weights: { blue: 1 }\n",
       "bad address \"nope\""},
      {"a broken stack body keeps the stack name known",
       listeners + "stacks:\n  blue: [1]\nrouting:\n  weights: { blue: 1 }\n",
       "stacks.blue: expected a map, got a list"},
      {"unreadable tokens do not count as no tokens",
       listeners +
           "stacks:\n  blue: { endpoints: [\"127.0.0.1:1\"] }\n"
           "routing:\n  weights: { blue: 1 }\nadmin: { address: 0.0.0.0:9901, tokens: yes }\n",
       "admin.tokens: expected a list"},
      {"a broken step weight is not compared with the next",
       listeners + "stacks:\n  blue: { endpoints: [\"127.0.0.1:1\"] }\n"
                   "routing:\n  weights: { blue: 1 }\n"
                   "rollout: { steps: [ { weight: x }, { weight: 100 } ] }\n",
       "rollout.steps[0].weight: must be a whole number"},
      {"a document that is not a map is one error", "just a string\n", "top level: expected a map"},
  };
  for (const single_error_case& c : cases) {
    config_load_result result = load_config_text(c.text, "case.yaml");
    ASSERT_EQ(result.errors.size(), 1U) << c.name << describe(result.errors);
    EXPECT_NE(result.errors[0].message.find(c.expected), std::string::npos)
        << c.name << describe(result.errors);
    EXPECT_GE(result.errors[0].line, 1) << c.name;
  }
}

// Items that cannot be read still take their index, so that an error found by a
// later layer points at the right item.
TEST(MultipleErrors, LaterErrorsPointAtTheRightListItem) {
  const std::string text =
      "listeners:\n"
      "  - just-a-name\n"                           // 2
      "  - { name: a, address: 127.0.0.1:8080 }\n"  // 3
      "  - { name: b, address: 127.0.0.1:8080 }\n"  // 4
      "stacks:\n"
      "  blue: { endpoints: [\"nope\", \"127.0.0.1:0\"] }\n"  // 6
      "routing:\n  weights: { blue: 1 }\n"
      "admin:\n  address: 0.0.0.0:9901\n  tokens:\n"
      "    - 42\n"                                                // 12
      "    - { name: ci, role: admin, token_sha256: \"abc\" }\n"  // 13
      "rollout:\n  steps: [ x, { weight: 101 } ]\n";              // 15
  config_load_result result = load_config_text(text, "items.yaml");
  const located expected[] = {
      {2, 5, "listeners[0]: expected a map"},
      {4, 25, "listeners[2].address: address \"127.0.0.1:8080\" is already used by listeners[1]"},
      {6, 23, "stacks.blue.endpoints[0]: bad address \"nope\""},
      {6, 31, "stacks.blue.endpoints[1]: port 0 cannot be connected to"},
      {12, 7, "admin.tokens[0]: expected a map"},
      {13, 46, "admin.tokens[1].token_sha256: expected 64 hexadecimal characters"},
      {15, 12, "rollout.steps[0]: expected a map"},
      {15, 25, "rollout.steps[1].weight: step weight must be between 1 and 100"},
  };
  expect_located(result.errors, expected);
}

TEST(MultipleErrors, NeverThrowsAndAlwaysLocates) {
  const std::string inputs[] = {
      std::string("\0\xff\xfe", 3),
      "[[[[",
      std::string(100000, '[') + std::string(100000, ']'),  // deeper than yaml-cpp allows
      "a: *undefined_alias\n",
      "? [complex, key]\n: 1\nlisteners: []\n",
      "listeners: !!binary AAAA\n",
      "%YAML 9.9\n---\na: 1\n",
      "\t- tab\n",
      "~\n",
      "42\n",
  };
  for (const std::string& text : inputs) {
    SCOPED_TRACE(text.substr(0, 40));
    config_load_result result;
    EXPECT_NO_THROW(result = load_config_text(text, "fuzz.yaml"));
    EXPECT_FALSE(result.value.has_value());
    ASSERT_FALSE(result.errors.empty());
    for (const config_error& e : result.errors) {
      EXPECT_GE(e.line, 1) << e.to_string();
      EXPECT_GE(e.column, 1) << e.to_string();
    }
  }
}

TEST(MultipleErrors, DeepNestingIsNamedAsSuch) {
  // yaml-cpp's own text for this is "bad file", which sends people looking at the disk.
  config_load_result result =
      load_config_text("a: " + std::string(5000, '[') + std::string(5000, ']'), "deep.yaml");
  ASSERT_EQ(result.errors.size(), 1U) << describe(result.errors);
  EXPECT_NE(result.errors[0].message.find("nested too deeply"), std::string::npos)
      << describe(result.errors);
}

TEST(MultipleErrors, UnreadableFileIsOneLocatedError) {
  for (const std::string& path :
       {std::string("/nonexistent/quikedge.yaml"), std::string(QUIKEDGE_SOURCE_DIR)}) {
    config_load_result result = load_config_file(path);
    EXPECT_FALSE(result.value.has_value());
    ASSERT_EQ(result.errors.size(), 1U) << path;
    EXPECT_EQ(result.errors[0].file, path);
    EXPECT_NE(result.errors[0].message.find("cannot read the config file"), std::string::npos);
    EXPECT_EQ(result.errors[0].to_string().rfind(path + ":1:1: ", 0), 0U)
        << result.errors[0].to_string();
  }
}

TEST(ConfigError, ToStringUsesFileLineColumn) {
  EXPECT_EQ((config_error{"a.yaml", 3, 7, "bad"}).to_string(), "a.yaml:3:7: bad");
  // Without a position (checks of a config built in code) only the file is named.
  EXPECT_EQ((config_error{"a.yaml", 0, 0, "bad"}).to_string(), "a.yaml: bad");
}

}  // namespace
}  // namespace quikedge
