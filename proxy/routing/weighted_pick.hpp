// Per-worker stack choice by weight with exact short-run shares, and round robin
// over a stack's endpoints. Worker only: no synchronisation inside.
#pragma once

#include <array>
#include <cstdint>

#include "routing/routing_table.hpp"

namespace quikedge::routing {

/// Smooth weighted round robin (the scheme nginx uses for upstream weights):
/// every pick adds each eligible stack's weight to its credit, takes the stack with
/// the most credit and charges it the total. Over any run of W = sum(weights) picks
/// each stack is chosen exactly weight times, and picks are interleaved rather than
/// bunched, so shares are exact over short runs, not just on average.
class weighted_picker {
 public:
  /// Index into table.stacks() of the chosen stack, or -1 when no stack with
  /// weight > 0 has a healthy endpoint. Stacks without one are skipped, and their
  /// share is spread over the rest by the same arithmetic.
  int pick_stack(const routing_table& table, const stack_filter& usable = {});

  /// Index into the stack's endpoints of the next healthy endpoint, or -1.
  int pick_endpoint(const stack_entry& stack);

  /// Any stack with a healthy endpoint, whatever its weight: the failover when no weighted stack
  /// can serve.
  static int any_healthy_stack(const routing_table& table, const stack_filter& usable = {});

 private:
  void sync_with(const routing_table& table);

  std::uint64_t table_version_ = ~std::uint64_t{0};
  std::array<std::int64_t, max_stacks> credit_{};
  std::array<std::uint32_t, max_stacks> next_endpoint_{};
};

}  // namespace quikedge::routing
