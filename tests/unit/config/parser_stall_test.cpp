// Text on which yaml-cpp 0.7's LoadAll never returns (found by config_fuzz) is a
// syntax error at the stuck token, and multi-document files are still counted.
#include <gtest/gtest.h>

#include <string>

#include "config/parser_stall.hpp"
#include "quikedge/config_loader.hpp"

namespace quikedge {
namespace {

TEST(ParserStall, LoneCommaIsASyntaxErrorAtItsPosition) {
  config_load_result result = load_config_text(",", "stall.yaml");
  ASSERT_FALSE(result.value);
  ASSERT_EQ(result.errors.size(), 1U);
  EXPECT_EQ(result.errors[0].to_string(),
            "stall.yaml:1:1: YAML syntax error: unexpected token where a value should start");
}

TEST(ParserStall, CommaAfterAConfigIsReportedOnItsLine) {
  // The shape config_fuzz found: a valid start, then a line that begins with ','.
  const std::string text =
      "listeners:\n"
      "  - { name: http, address: 127.0.0.1:8080 }\n"
      ", stacks:\n";
  config_load_result result = load_config_text(text, "stall.yaml");
  ASSERT_FALSE(result.value);
  ASSERT_EQ(result.errors.size(), 1U);
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_NE(result.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(ParserStall, ParsesToTheEndOfWellFormedStreams) {
  EXPECT_FALSE(config_detail::find_parser_stall(""));
  EXPECT_FALSE(config_detail::find_parser_stall("a: 1\n"));
  EXPECT_FALSE(config_detail::find_parser_stall("---\n---\na: 1\n...\n---\n"));
}

TEST(ParserStall, MultipleDocumentsAreStillCounted) {
  config_load_result result = load_config_text("---\na: 1\n---\nb: 2\n", "multi.yaml");
  ASSERT_FALSE(result.value);
  bool counted = false;
  for (const config_error& e : result.errors) {
    counted = counted || e.message == "only one YAML document is allowed, found 2";
  }
  EXPECT_TRUE(counted);
}

}  // namespace
}  // namespace quikedge
