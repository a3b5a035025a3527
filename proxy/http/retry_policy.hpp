// When a failed upstream attempt may be replayed. Pure decisions over the
// request's state; the exchange carries them out. Worker only.
#pragma once

#include "http/request_state.hpp"

namespace quikedge::http {

/// A pooled connection the upstream closed just before our request arrived
/// fails before any response byte. Replaying is safe only when nothing can have
/// been processed twice: an idempotent request without a body, replayed once.
[[nodiscard]] inline bool may_replay_on_fresh_connection(const request_state& request,
                                                         bool has_body, bool timed_out) {
  return request.upstream_reused && !request.replayed && !timed_out && !has_body &&
         request.idempotent;
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
