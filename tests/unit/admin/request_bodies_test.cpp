// The admin change calls' JSON bodies, read by pure functions (fuzzed by
// tests/fuzz/admin_json_fuzz): accepted shapes and the exact 400 messages.
#include <gtest/gtest.h>

#include <string>

#include "admin/request_bodies.hpp"

namespace quikedge::admin {
namespace {

TEST(WeightsBody, ReadsWeightsAndReason) {
  body_weight_map weights;
  std::string reason;
  ASSERT_FALSE(parse_weights_body(R"({"weights":{"blue":90,"green":10},"reason":"shift"})", weights,
                                  reason));
  EXPECT_EQ(weights, (body_weight_map{{"blue", 90}, {"green", 10}}));
  EXPECT_EQ(reason, "shift");
}

TEST(WeightsBody, RefusesEveryOtherShape) {
  struct refusal {
    std::string body;
    std::string error;
  };
  for (const refusal& r : std::initializer_list<refusal>{
           {"[1]", "body must be a JSON object"},
           {R"({"weights":[1]})", "body must have a \"weights\" object"},
           {R"({"weights":{},"x":1})", "unknown field \"x\""},
           {R"({"weights":{},"reason":1})", "\"reason\" must be a string"},
           {R"({"weights":{"blue":-1}})", "weight of \"blue\" is negative"},
           {R"({"weights":{"blue":1000001}})", "weight of \"blue\" is over 1000000"},
           {R"({"weights":{"blue":18446744073709551615}})", "weight of \"blue\" is over 1000000"},
           {R"({"weights":{"blue":1.5}})", "weight of \"blue\" must be a non-negative integer"},
       }) {
    body_weight_map weights;
    std::string reason;
    auto error = parse_weights_body(r.body, weights, reason);
    ASSERT_TRUE(error) << r.body;
    EXPECT_EQ(*error, r.error) << r.body;
  }
  body_weight_map weights;
  std::string reason;
  auto error = parse_weights_body("{", weights, reason);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->rfind("body is not valid JSON: ", 0), 0U) << *error;
}

TEST(RollbackBody, EmptyOrToAndReason) {
  rollback_body empty;
  ASSERT_FALSE(parse_rollback_body("", empty));
  EXPECT_FALSE(empty.to);

  rollback_body full;
  ASSERT_FALSE(parse_rollback_body(R"({"to":"blue","reason":"bad deploy"})", full));
  EXPECT_EQ(full.to, "blue");
  EXPECT_EQ(full.reason, "bad deploy");

  rollback_body bad;
  EXPECT_EQ(parse_rollback_body("[]", bad), "body must be a JSON object");
  EXPECT_EQ(parse_rollback_body(R"({"to":1})", bad), "unknown or non-string field \"to\"");
  EXPECT_EQ(parse_rollback_body(R"({"from":"x"})", bad), "unknown or non-string field \"from\"");
}

TEST(ReasonBody, EmptyOrReasonOnly) {
  std::string reason;
  ASSERT_FALSE(parse_reason_body("", reason));
  ASSERT_FALSE(parse_reason_body("{}", reason));
  ASSERT_FALSE(parse_reason_body(R"({"reason":"lunch"})", reason));
  EXPECT_EQ(reason, "lunch");
  const std::string refusal = "body must be empty or {\"reason\":\"...\"}";
  EXPECT_EQ(parse_reason_body(R"({"reason":1})", reason), refusal);
  EXPECT_EQ(parse_reason_body(R"({"reason":"a","x":1})", reason), refusal);
  EXPECT_EQ(parse_reason_body("nope", reason), refusal);
}

}  // namespace
}  // namespace quikedge::admin
