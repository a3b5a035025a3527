// The file state backend: the live weights survive a restart (SIGTERM or SIGKILL)
// unless the config file's weights changed meanwhile (the last change wins), and
// a broken state file falls back to the config file without stopping the start.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <sstream>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;

class state_file : public two_stacks {
 protected:
  void SetUp() override { ASSERT_TRUE(start(90, 10)); }

  std::filesystem::path saved_path() const { return proxy.directory() / "quikedge.state.json"; }

  /// Sets blue=0 green=100 and returns the version that change got.
  std::int64_t shift_to_green() {
    auto response = proxy.set_weights({{"blue", 0}, {"green", 100}});
    EXPECT_EQ(response.status, 200) << response.body;
    return proxy.state().at("version").as_int64();
  }

  void kill_proxy() {
    ASSERT_EQ(::kill(proxy.process().pid(), SIGKILL), 0);
    ASSERT_TRUE(proxy.process().wait_exit(deadline_in(10s)));
  }

  /// Replaces "blue: 90, green: 10" in the config file.
  void edit_config_weights(const std::string& weights) {
    std::ifstream in(proxy.config_path());
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    const auto at = yaml.find("blue: 90, green: 10");
    ASSERT_NE(at, std::string::npos) << yaml;
    yaml.replace(at, std::string("blue: 90, green: 10").size(), weights);
    std::ofstream(proxy.config_path()) << yaml;
  }

  proxy_process restarted;
};

TEST_F(state_file, weights_set_through_the_api_survive_sigterm_and_restart) {
  const auto version = shift_to_green();
  ASSERT_TRUE(std::filesystem::exists(saved_path()));
  EXPECT_EQ(proxy.stop(), 0);
  ASSERT_TRUE(restarted.start_on(proxy.config_path()));
  auto state = restarted.state();
  EXPECT_EQ(state.at("version").as_int64(), version) << "the version must never go back";
  EXPECT_EQ(state.at("weights").at("green").as_int64(), 100);
  EXPECT_EQ(state.at("weights").at("blue").as_int64(), 0);
  // The very first requests already follow the saved weights.
  http_client client(restarted.http_port());
  for (int i = 0; i < 20; ++i) {
    auto response = client.get("/");
    ASSERT_EQ(response.status, 200) << response.error;
    EXPECT_EQ(response.header("X-QuikEdge-Stack"), "green");
  }
}

TEST_F(state_file, a_change_is_on_disk_before_it_is_answered) {
  const auto version = shift_to_green();
  kill_proxy();  // no chance to write anything after the answer
  ASSERT_TRUE(restarted.start_on(proxy.config_path()));
  EXPECT_EQ(restarted.state().at("version").as_int64(), version);
  EXPECT_EQ(restarted.state().at("weights").at("green").as_int64(), 100);
}

TEST_F(state_file, config_weights_edited_while_down_are_the_last_change) {
  const auto version = shift_to_green();
  kill_proxy();
  edit_config_weights("blue: 70, green: 30");
  ASSERT_TRUE(restarted.start_on(proxy.config_path()));
  auto state = restarted.state();
  EXPECT_EQ(state.at("weights").at("blue").as_int64(), 70);
  EXPECT_EQ(state.at("weights").at("green").as_int64(), 30);
  EXPECT_GT(state.at("version").as_int64(), version) << "a new change, not an old version";
}

TEST_F(state_file, a_broken_state_file_falls_back_to_the_config_file) {
  shift_to_green();
  kill_proxy();
  std::ofstream(saved_path()) << "{not json";
  ASSERT_TRUE(restarted.start_on(proxy.config_path()));
  EXPECT_EQ(restarted.state().at("weights").at("blue").as_int64(), 90);
  EXPECT_NE(restarted.process().stderr_text().find("not a state document"), std::string::npos)
      << restarted.process().stderr_text();
  // And the next change writes a good file again.
  ASSERT_EQ(restarted.set_weights({{"blue", 50}, {"green", 50}}).status, 200);
  restarted.stop();
  proxy_process third;
  ASSERT_TRUE(third.start_on(proxy.config_path()));
  EXPECT_EQ(third.state().at("weights").at("green").as_int64(), 50);
}

}  // namespace
}  // namespace quikedge::test
