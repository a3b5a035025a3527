// The routing rules, in order: override header, sticky cookie, hash key, weights, failover.
#include "routing/route_request.hpp"

#include "routing/rendezvous_hash.hpp"

namespace quikedge::routing {

bool sticky_target_valid(const stack_entry& stack, const stack_filter& usable) {
  return usable(stack) && (stack.weight > 0 || stack.draining);
}

route_decision route_request(const routing_table& table, weighted_picker& picker,
                             const route_inputs& inputs, bool cookie_configured,
                             const stack_filter& usable) {
  route_decision decision;
  int sticky = -1;
  if (inputs.sticky_cookie) {
    int named = table.find_stack(*inputs.sticky_cookie);
    if (named >= 0 &&
        sticky_target_valid(table.stacks()[static_cast<std::size_t>(named)], usable)) {
      sticky = named;
    }
  }
  decision.set_cookie = cookie_configured && sticky < 0;

  if (inputs.override_stack) {
    int forced = table.find_stack(*inputs.override_stack);
    if (forced >= 0) {
      decision.stack = forced;
      decision.rule = route_rule::override_header;
      return decision;
    }
  }
  if (sticky >= 0) {
    decision.stack = sticky;
    decision.rule = route_rule::sticky_cookie;
    return decision;
  }
  if (inputs.hash_key) {
    decision.stack = rendezvous_pick(table, *inputs.hash_key, usable);
    decision.rule = route_rule::hash_key;
  } else {
    decision.stack = picker.pick_stack(table, usable);
    decision.rule = route_rule::weight;
  }
  if (decision.stack < 0) {
    decision.stack = weighted_picker::any_healthy_stack(table, usable);
    decision.rule = decision.stack < 0 ? route_rule::none : route_rule::failover;
  }
  if (decision.stack < 0) {
    decision.set_cookie = false;
  }
  return decision;
}

}  // namespace quikedge::routing
