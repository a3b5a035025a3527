// Route and endpoint choice for one request. Worker only.
#include "http/route_pick.hpp"

#include "http/cookie.hpp"
#include "routing/route_request.hpp"

namespace quikedge::http {

bool pick_route(session_context& context, const message_head& head, bool tls,
                request_state& request, std::string& set_cookie) {
  const auto& table = *request.table;
  const auto& routing = table.settings().routing;
  routing::route_inputs inputs;
  if (!routing.override_header.empty()) {
    inputs.override_stack = find_header(head, routing.override_header);
  }
  if (!routing.sticky.cookie.empty()) {
    inputs.sticky_cookie = find_cookie(head, routing.sticky.cookie);
  }
  using key_source = sticky_config::key_source;
  if (routing.sticky.hash_source == key_source::header) {
    inputs.hash_key = find_header(head, routing.sticky.hash_name);
  } else if (routing.sticky.hash_source == key_source::cookie) {
    inputs.hash_key = find_cookie(head, routing.sticky.hash_name);
  }
  // Stacks whose every endpoint this worker found unreachable are skipped like
  // unhealthy ones, so a dead stack fails over before health checks notice.
  routing::stack_filter usable{
      [](const void* ctx, const routing::stack_entry& stack) {
        return static_cast<const session_context*>(ctx)->outliers.stack_usable(stack, clock::now());
      },
      &context};
  auto decision =
      routing::route_request(table, context.picker, inputs, !routing.sticky.cookie.empty(), usable);
  if (decision.stack < 0) {
    // Everything looks ejected here: fall back to the table's own health.
    decision =
        routing::route_request(table, context.picker, inputs, !routing.sticky.cookie.empty());
  }
  if (decision.stack < 0) {
    return false;
  }
  const auto& stack = table.stacks()[static_cast<std::size_t>(decision.stack)];
  const int endpoint =
      context.selector.pick(stack, stack.balancer, context.outliers, request.tried, clock::now());
  if (endpoint < 0) {
    return false;
  }
  request.stack_index = decision.stack;
  request.endpoint_index = endpoint;
  set_cookie.clear();
  if (decision.set_cookie) {
    write_sticky_cookie(set_cookie, routing.sticky.cookie, stack.name, routing.sticky.cookie_ttl,
                        tls);
  }
  return true;
}

bool pick_retry_endpoint(session_context& context, request_state& request) {
  const auto now = clock::now();
  const auto& stacks = request.table->stacks();
  const auto& current = request.stack();
  int endpoint =
      context.selector.pick(current, current.balancer, context.outliers, request.tried, now);
  for (int pass = 0; endpoint < 0 && pass < 2; ++pass) {
    for (std::size_t i = 0; i < stacks.size() && endpoint < 0; ++i) {
      if (static_cast<int>(i) == request.stack_index || (pass == 0 && stacks[i].weight == 0)) {
        continue;
      }
      endpoint = context.selector.pick(stacks[i], stacks[i].balancer, context.outliers,
                                       request.tried, now);
      if (endpoint >= 0) {
        request.stack_index = static_cast<int>(i);
      }
    }
  }
  if (endpoint < 0) {
    return false;
  }
  request.endpoint_index = endpoint;
  return true;
}

}  // namespace quikedge::http
