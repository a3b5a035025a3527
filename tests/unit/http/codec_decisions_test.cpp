// The pure decisions the session pieces were split around: which status a bad
// head gets, and when a failed attempt may be replayed.
#include <gtest/gtest.h>

#include "http/error_reply.hpp"
#include "http/retry_policy.hpp"

namespace quikedge::http {
namespace {

TEST(ErrorReply, EachParseFailureHasItsStatus) {
  EXPECT_EQ(reply_status_for(parse_status::ok), 0);
  EXPECT_EQ(reply_status_for(parse_status::incomplete), 0);
  EXPECT_EQ(reply_status_for(parse_status::bad_request), 400);
  EXPECT_EQ(reply_status_for(parse_status::header_too_large), 431);
  EXPECT_EQ(reply_status_for(parse_status::not_implemented), 501);
  EXPECT_EQ(reply_status_for(parse_status::bad_version), 505);
}

TEST(RequestState, IdempotentMethodsAreTheOnesRfc9110Names) {
  for (const char* method : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}) {
    EXPECT_TRUE(is_idempotent(method)) << method;
  }
  for (const char* method : {"POST", "PATCH", "CONNECT", "get"}) {
    EXPECT_FALSE(is_idempotent(method)) << method;
  }
}

TEST(RequestState, AFreshStateCarriesNothingOver) {
  request_state used;
  used.upload = upload_state::aborted;
  used.response_started = true;
  used.attempts = 2;
  used.keep_alive = false;
  used = request_state{};
  EXPECT_EQ(used.upload, upload_state::idle);
  EXPECT_FALSE(used.response_started);
  EXPECT_EQ(used.attempts, 0U);
  EXPECT_TRUE(used.keep_alive);
  EXPECT_FALSE(used.routed());
}

request_state idempotent_on_pooled_connection() {
  request_state request;
  request.idempotent = true;
  request.upstream_reused = true;
  return request;
}

TEST(RetryPolicy, ReplaysAnIdempotentBodilessRequestOnceOnAFreshConnection) {
  auto request = idempotent_on_pooled_connection();
  EXPECT_TRUE(may_replay_on_fresh_connection(request, false, false));
  request.replayed = true;
  EXPECT_FALSE(may_replay_on_fresh_connection(request, false, false));
}

TEST(RetryPolicy, NeverReplaysABodyAPostOrATimeout) {
  auto request = idempotent_on_pooled_connection();
  EXPECT_FALSE(may_replay_on_fresh_connection(request, true, false));
  EXPECT_FALSE(may_replay_on_fresh_connection(request, false, true));
  request.idempotent = false;
  EXPECT_FALSE(may_replay_on_fresh_connection(request, false, false));
  request = idempotent_on_pooled_connection();
  request.upstream_reused = false;
  EXPECT_FALSE(may_replay_on_fresh_connection(request, false, false));
}

TEST(RetryPolicy, AFailedConnectMayMoveAnyRequest) {
  request_state post;
  post.idempotent = false;
  EXPECT_TRUE(may_retry_elsewhere(post, true, false, 2));
  post.attempts = 2;
  EXPECT_FALSE(may_retry_elsewhere(post, true, false, 2));
}

TEST(RetryPolicy, ARequestThatMayHaveArrivedMovesOnlyWhenHarmless) {
  auto request = idempotent_on_pooled_connection();
  EXPECT_TRUE(may_retry_elsewhere(request, false, true, 1));
  EXPECT_FALSE(may_retry_elsewhere(request, true, true, 1));
  request.response_started = true;
  EXPECT_FALSE(may_retry_elsewhere(request, false, true, 1));
  request.response_started = false;
  request.idempotent = false;
  EXPECT_FALSE(may_retry_elsewhere(request, false, true, 1));
}

}  // namespace
}  // namespace quikedge::http
