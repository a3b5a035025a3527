// upstream_exchange, failures: replay on a fresh connection, move to another
// endpoint, or give up with an error reply (or a cut connection once the
// response started). The decisions are retry_policy.hpp's. Included by
// downstream_connection_*.cpp.
#pragma once

#include "http/retry_policy.hpp"
#include "http/route_pick.hpp"
#include "http/upstream_exchange.hpp"

namespace quikedge::http {

template <class Downstream>
bool upstream_exchange<Downstream>::retry_on_fresh_connection() {
  if (!may_replay_on_fresh_connection(req(), request_body_.has_body(), down_.timed_out())) {
    return false;
  }
  req().replayed = true;
  release_upstream(false);
  start_endpoint();
  do_connect();
  return true;
}

template <class Downstream>
void upstream_exchange<Downstream>::note_endpoint_result(bool failed) {
  auto& outliers = down_.context().outliers;
  const auto& stack = req().stack();
  const auto id = req().endpoint().id;
  if (!failed) {
    outliers.on_success(id);
  } else if (stack.outlier_detection) {
    outliers.on_failure(stack, id, *stack.outlier_detection, clock::now());
  }
}

template <class Downstream>
bool upstream_exchange<Downstream>::retry_elsewhere(bool request_may_have_arrived) {
  // A failed connect costs the upstream nothing, so it does not spend budget.
  auto& request = req();
  if (!may_retry_elsewhere(request, request_body_.has_body(), request_may_have_arrived,
                           settings().retries.attempts) ||
      (request_may_have_arrived && !down_.context().retries.take())) {
    return false;
  }
  ++request.attempts;
  request.tried.add(request.endpoint().id);
  release_upstream(false);
  if (!pick_retry_endpoint(down_.context(), request)) {
    return false;
  }
  start_endpoint();
  do_connect();
  return true;
}

template <class Downstream>
void upstream_exchange<Downstream>::upstream_failed(int status) {
  auto& request = req();
  end_upload();  // a pending body read returns without touching anything
  release_upstream(false);
  upstream_in_.clear();
  if (request.response_started) {
    down_.record(request.status);
    down_.close();
    return;
  }
  // The client's request stream can be trusted only if its body was fully read
  // and consumed. A body taken along with the head but never written (the
  // write failed) is still in the client buffer: were the connection kept, its
  // bytes would be parsed as the next request (request smuggling).
  const bool body_left_in_buffer = request.pending_body_bytes > 0;
  down_.reply_error(status, down_.timed_out() || !request_body_.complete() || body_left_in_buffer);
}

}  // namespace quikedge::http
