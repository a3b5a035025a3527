// The routing table most routing tests start from: stack 0 "blue" and stack 1 "green",
// one endpoint each, with green's drain and health as the test sets them.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "routing/routing_table.hpp"

namespace quikedge::routing::test {

struct green_state {
  bool draining = false;
  bool healthy = true;  ///< of green's one endpoint
};

inline routing_table two_stack_table(std::uint32_t blue_weight, std::uint32_t green_weight,
                                     green_state green = {}) {
  std::vector<stack_entry> stacks(2);
  stacks[0].id = 0;
  stacks[0].name = "blue";
  stacks[0].weight = blue_weight;
  stacks[0].endpoints.push_back({});
  stacks[1].id = 1;
  stacks[1].name = "green";
  stacks[1].weight = green_weight;
  stacks[1].draining = green.draining;
  stacks[1].endpoints.push_back({});
  stacks[1].endpoints[0].healthy = green.healthy;
  return routing_table(1, std::move(stacks), std::make_shared<config>());
}

}  // namespace quikedge::routing::test
