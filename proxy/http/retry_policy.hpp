// When a failed upstream attempt may be replayed. Pure decisions over the
// request's state; the exchange carries them out. Worker only.
#pragma once

#include "http/request_state.hpp"

namespace quikedge::http {

/// Whether the request, if the pooled connection it is sent on turns out to
/// have been closed by the upstream, may be sent again on a fresh one: nothing
/// can have been processed twice for an idempotent request without a body,
/// replayed once. When it may, the pool need not check the connection first.
[[nodiscard]] inline bool replayable_if_stale(const request_state& request, bool has_body) {
  return !request.replayed && !has_body && request.idempotent;
}

/// A pooled connection the upstream closed just before our request arrived
/// fails before any response byte: replayed when replayable_if_stale.
[[nodiscard]] inline bool may_replay_on_fresh_connection(const request_state& request,
                                                         bool has_body, bool timed_out) {
  return request.upstream_reused && !timed_out && replayable_if_stale(request, has_body);
}

/// Whether the request may move to another endpoint, before the retry budget
/// is asked. A request that may have reached the upstream is replayed only when
/// doing it twice is harmless: idempotent, and without a body (bodies are
/// streamed, not kept). `max_attempts`: the table's retries.attempts.
[[nodiscard]] inline bool may_retry_elsewhere(const request_state& request, bool has_body,
                                              bool request_may_have_arrived,
                                              unsigned max_attempts) {
  if (request_may_have_arrived && (!request.idempotent || has_body)) {
    return false;
  }
  return !request.response_started && request.attempts < max_attempts;
}

}  // namespace quikedge::http
