// The stack choice for one request, by the first routing rule that applies:
// override header, sticky cookie, hash key, weighted pick; then failover to any
// healthy stack. Worker only.
#pragma once

#include <optional>
#include <string_view>

#include "routing/routing_table.hpp"
#include "routing/weighted_pick.hpp"

namespace quikedge::routing {

/// What the request carries that routing looks at (views into its head).
struct route_inputs {
  std::optional<std::string_view> override_stack;
  std::optional<std::string_view> sticky_cookie;
  std::optional<std::string_view> hash_key;
};

enum class route_rule : std::uint8_t {
  none,
  override_header,
  sticky_cookie,
  hash_key,
  weight,
  failover
};

struct route_decision {
  int stack = -1;  ///< index into table.stacks(), -1: no healthy stack (503)
  route_rule rule = route_rule::none;
  /// The sticky cookie is configured and the request had no valid one.
  bool set_cookie = false;
};

route_decision route_request(const routing_table& table, weighted_picker& picker,
                             const route_inputs& inputs, bool cookie_configured,
                             const stack_filter& usable = {});

/// True when a sticky cookie naming `stack` is honoured: the stack has a healthy
/// endpoint and has weight or is still draining.
bool sticky_target_valid(const stack_entry& stack, const stack_filter& usable = {});

}  // namespace quikedge::routing
