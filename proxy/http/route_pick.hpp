// Choosing where a request goes: the stack (override header, sticky cookie or
// hash key, weights) and an endpoint in it, and on a retry the next endpoint.
// Worker only.
#pragma once

#include <string>

#include "http/message_head.hpp"
#include "http/request_state.hpp"
#include "http/session_context.hpp"

namespace quikedge::http {

/// Picks stack and endpoint for `head` into `request`; fills `set_cookie` with a
/// sticky Set-Cookie for the response (empty: none). False: nothing usable.
bool pick_route(session_context& context, const message_head& head, bool tls,
                request_state& request, std::string& set_cookie);

/// The endpoint a retry moves to, skipping those already tried: the same stack
/// first, then other stacks that carry weight, then any healthy one. Updates
/// request.stack_index/endpoint_index; false when none is left.
bool pick_retry_endpoint(session_context& context, request_state& request);

}  // namespace quikedge::http
