// Drain scheduling: tunnels of a draining stack close spread over the window.
#include <gtest/gtest.h>

#include "http/session_context.hpp"

namespace quikedge::http {
namespace {

struct fake_tunnel : tunnel_entry {
  int closes = 0;
  void begin_close() override {
    ++closes;
    closing = true;
    close_at = clock::time_point::max();
  }
};

routing::routing_table table(std::uint32_t weight, bool draining, clock::time_point until,
                             bool finished = false) {
  std::vector<routing::stack_entry> stacks(1);
  stacks[0].weight = weight;
  stacks[0].draining = draining;
  stacks[0].drain_until = until;
  stacks[0].drain_finished = finished;
  return routing::routing_table(2, std::move(stacks), std::make_shared<config>());
}

TEST(TunnelList, DrainSpreadsClosesEvenlyOverTheWindow) {
  tunnel_list list;
  std::vector<fake_tunnel> tunnels(10);
  for (auto& t : tunnels) {
    list.link(t);
  }
  const auto now = clock::now();
  list.apply_drains(table(0, true, now + std::chrono::seconds(10)), now);
  std::vector<long> seconds;
  for (auto& t : tunnels) {
    seconds.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(t.close_at - now).count());
  }
  std::sort(seconds.begin(), seconds.end());
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    EXPECT_EQ(seconds[i], static_cast<long>((i + 1) * 1000));
  }
  list.expire(now + std::chrono::milliseconds(3500));
  int closed = 0;
  for (auto& t : tunnels) {
    closed += t.closes;
  }
  EXPECT_EQ(closed, 3);
  for (auto& t : tunnels) {
    list.unlink(t);
  }
}

TEST(TunnelList, RaisingWeightEndsDrainAndFinishedDrainClosesTheRest) {
  tunnel_list list;
  fake_tunnel a;
  fake_tunnel b;
  list.link(a);
  list.link(b);
  const auto now = clock::now();
  list.apply_drains(table(0, true, now + std::chrono::seconds(10)), now);
  EXPECT_NE(a.close_at, clock::time_point::max());
  list.apply_drains(table(5, false, {}), now);
  EXPECT_EQ(a.close_at, clock::time_point::max());
  EXPECT_EQ(b.close_at, clock::time_point::max());
  list.apply_drains(table(0, false, {}), now);  // weight 0 without a drain: untouched
  EXPECT_EQ(a.close_at, clock::time_point::max());
  list.apply_drains(table(0, false, {}, true), now);
  list.expire(now);
  EXPECT_EQ(a.closes + b.closes, 2);
  list.unlink(a);
  list.unlink(b);
}

}  // namespace
}  // namespace quikedge::http
