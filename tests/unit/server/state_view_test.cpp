// The state document as rendered from plain data.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/state_view.hpp"

namespace quikedge::server {
namespace {

TEST(StateView, RendersEveryField) {
  state_document doc;
  doc.version = 7;
  doc.pid = 1234;
  doc.weights = {{"blue", 0}, {"green", 100}};
  doc.changed_at = std::chrono::system_clock::time_point{} + std::chrono::seconds(1767322800);
  doc.changed_by = "ops";
  doc.stacks.push_back({"blue", true, true, 0, {{"10.0.1.10:8080", true}}, 3});
  doc.stacks.push_back({"green", false, false, 100, {{"10.0.2.10:8080", false}}, 0});
  doc.rollout_json = R"({"state":"rolled_back","from":"blue","to":"green"})";
  doc.rollback_target = "blue";

  const auto value = boost::json::parse(render_state(doc));
  const auto& state = value.as_object();
  EXPECT_EQ(state.at("version").to_number<int>(), 7);
  EXPECT_EQ(state.at("pid").to_number<int>(), 1234);
  EXPECT_EQ(boost::json::serialize(state.at("weights")), R"({"blue":0,"green":100})");
  EXPECT_EQ(state.at("changed_at").as_string(), "2026-01-02T03:00:00Z");
  EXPECT_EQ(state.at("changed_by").as_string(), "ops");
  const auto& blue = state.at("stacks").at("blue").as_object();
  EXPECT_TRUE(blue.at("healthy").as_bool());
  EXPECT_TRUE(blue.at("draining").as_bool());
  EXPECT_EQ(blue.at("websockets").to_number<int>(), 3);
  EXPECT_EQ(boost::json::serialize(blue.at("endpoints")),
            R"([{"address":"10.0.1.10:8080","healthy":true}])");
  const auto& green = state.at("stacks").at("green").as_object();
  EXPECT_FALSE(green.at("healthy").as_bool());
  EXPECT_EQ(green.at("weight").to_number<int>(), 100);
  EXPECT_EQ(state.at("rollout").at("state").as_string(), "rolled_back");
  EXPECT_EQ(state.at("rollback_target").as_string(), "blue");
}

TEST(StateView, IdleRolloutAndNoRollbackTarget) {
  state_document doc;
  const auto value = boost::json::parse(render_state(doc));
  EXPECT_EQ(boost::json::serialize(value.at("rollout")), R"({"state":"idle"})");
  EXPECT_FALSE(value.as_object().contains("rollback_target"));
}

}  // namespace
}  // namespace quikedge::server
