// The gateway's JSON, as etcd 3.4 writes it (answers copied from a real member):
// 64-bit numbers as strings, omitted zero fields, errors, watch lines; and the
// request bodies quikedge sends.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

#include "etcd/base64.hpp"
#include "etcd/etcd_messages.hpp"

namespace quikedge::etcd {
namespace {

namespace json = boost::json;

TEST(EtcdMessages, PrefixEnd) {
  EXPECT_EQ(prefix_end("/quikedge/"), "/quikedge0");
  EXPECT_EQ(prefix_end(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefix_end(std::string("\xff\xff", 2)), std::string(1, '\0'));
}

TEST(EtcdMessages, RangeAnswer) {
  gateway_error error;
  auto r = parse_range(
      R"({"header":{"cluster_id":"5632939151584063523","member_id":"11539305337000706507","revision":"2","raft_term":"2"},)"
      R"("kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}],"count":"1"})",
      &error);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.revision, 2);
  EXPECT_EQ(r->header.member_id, 11539305337000706507ull);
  ASSERT_EQ(r->kvs.size(), 1u);
  EXPECT_EQ(r->kvs[0].key, "foo");
  EXPECT_EQ(r->kvs[0].value, "bar");
  EXPECT_EQ(r->kvs[0].mod_revision, 2);
  EXPECT_EQ(r->kvs[0].lease, 0);
}

TEST(EtcdMessages, EmptyRangeHasNoKvs) {
  auto r = parse_range(R"({"header":{"revision":"7"}})", nullptr);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->kvs.empty());
  EXPECT_EQ(r->header.revision, 7);
}

TEST(EtcdMessages, GatewayErrorIsReported) {
  gateway_error error;
  EXPECT_FALSE(parse_header_only(
      R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})",
      &error));
  EXPECT_EQ(error.code, 5);
  EXPECT_EQ(error.message, "etcdserver: requested lease not found");
}

TEST(EtcdMessages, MalformedAnswersAreRefused) {
  EXPECT_FALSE(parse_range("not json", nullptr));
  EXPECT_FALSE(parse_range(R"({"kvs":[]})", nullptr));  // no header
  EXPECT_FALSE(parse_range(R"({"header":{"revision":"x"}})", nullptr));
  EXPECT_FALSE(parse_range(R"({"header":{},"kvs":[{"key":"!!"}]})", nullptr));
  EXPECT_FALSE(parse_range(R"({"header":{},"kvs":{}})", nullptr));
}

TEST(EtcdMessages, FailedTxnCarriesTheCurrentValue) {
  auto t = parse_txn(
      R"({"header":{"revision":"9"},"responses":[{"response_range":{"header":{"revision":"9"},)"
      R"("kvs":[{"key":"aw==","mod_revision":"8","value":"djE="}],"count":"1"}}]})",
      nullptr);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->succeeded);
  ASSERT_EQ(t->current.size(), 1u);
  EXPECT_EQ(t->current[0].value, "v1");
  EXPECT_EQ(t->current[0].mod_revision, 8);
  auto ok = parse_txn(
      R"({"header":{"revision":"10"},"succeeded":true,"responses":[{"response_put":{"header":{}}}]})",
      nullptr);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->succeeded);
}

TEST(EtcdMessages, LeaseGrantAndKeepAlive) {
  auto grant =
      parse_lease(R"({"header":{"revision":"2"},"ID":"6979068951932944134","TTL":"5"})", nullptr);
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->id, 6979068951932944134);
  EXPECT_EQ(grant->ttl, 5);
  auto kept = parse_lease(
      R"({"result":{"header":{"revision":"3"},"ID":"6979068951932944138","TTL":"5"}})", nullptr);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->ttl, 5);
  auto gone = parse_lease(R"({"result":{"header":{"revision":"3"},"ID":"1"}})", nullptr);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->ttl, 0);
}

TEST(EtcdMessages, WatchLines) {
  auto created =
      parse_watch_line(R"({"result":{"header":{"revision":"2"},"created":true}})", nullptr);
  ASSERT_TRUE(created);
  EXPECT_TRUE(created->created);
  EXPECT_TRUE(created->events.empty());

  auto events = parse_watch_line(
      R"({"result":{"header":{"revision":"3"},"events":[{"kv":{"key":"Zm9v","mod_revision":"3","value":"YmF6"}},)"
      R"({"type":"DELETE","kv":{"key":"Zm9v","mod_revision":"4"}}]}})",
      nullptr);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->events.size(), 2u);
  EXPECT_EQ(events->events[0].type, watch_event::kind::put);
  EXPECT_EQ(events->events[0].kv.value, "baz");
  EXPECT_EQ(events->events[1].type, watch_event::kind::remove);

  auto compacted = parse_watch_line(
      R"({"result":{"header":{"raft_term":"2"},"canceled":true,"compact_revision":"3"}})", nullptr);
  ASSERT_TRUE(compacted);
  EXPECT_TRUE(compacted->canceled);
  EXPECT_EQ(compacted->compact_revision, 3);
}

TEST(EtcdMessages, AuthenticateAnswersAndCancelReasons) {
  // etcd 3.4's own words, as its gateway spells them.
  EXPECT_EQ(parse_token(R"({"header":{"revision":"1"},"token":"doQzWDQpAoyXRhyL.16"})", nullptr),
            "doQzWDQpAoyXRhyL.16");
  gateway_error error;
  EXPECT_FALSE(parse_token(R"({"error":"etcdserver: authentication failed, invalid user ID or )"
                           R"(password","message":"etcdserver: authentication failed, invalid )"
                           R"(user ID or password","code":3})",
                           &error));
  EXPECT_EQ(error.code, 3);
  EXPECT_NE(error.message.find("invalid user ID or password"), std::string::npos);
  EXPECT_FALSE(parse_token(R"({"header":{},"token":""})", nullptr));
  EXPECT_FALSE(parse_token(R"({"header":{},"token":7})", nullptr));

  auto refused = parse_watch_line(
      R"({"result":{"header":{"revision":"1"},"watch_id":"-1","created":true,"canceled":true,)"
      R"("cancel_reason":"rpc error: code = Unauthenticated desc = etcdserver: invalid auth token"}})",
      nullptr);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->canceled);
  EXPECT_NE(refused->cancel_reason.find("invalid auth token"), std::string::npos);
}

TEST(EtcdMessages, CompareAndPutBody) {
  auto body = json::parse(compare_and_put_request("/q/state", "{}", 41, 7)).as_object();
  const auto& compare = body.at("compare").as_array().at(0).as_object();
  EXPECT_EQ(compare.at("target"), "MOD");
  EXPECT_EQ(compare.at("mod_revision"), "41");
  EXPECT_EQ(compare.at("key").as_string(), base64_encode("/q/state"));
  const auto& put = body.at("success").as_array().at(0).as_object().at("request_put").as_object();
  EXPECT_EQ(put.at("value").as_string(), base64_encode("{}"));
  EXPECT_EQ(put.at("lease"), "7");
  EXPECT_TRUE(body.at("failure").as_array().at(0).as_object().contains("request_range"));
}

TEST(EtcdMessages, FencedCompareAndPutBodyComparesBothKeysAndReadsBothOnFailure) {
  auto body =
      json::parse(fenced_compare_and_put_request("/q/state", "{}", 41, "/q/rollout/leader", 9))
          .as_object();
  const auto& compares = body.at("compare").as_array();
  ASSERT_EQ(compares.size(), 2U);
  EXPECT_EQ(compares.at(0).as_object().at("target"), "MOD");
  EXPECT_EQ(compares.at(0).as_object().at("mod_revision"), "41");
  EXPECT_EQ(compares.at(1).as_object().at("target"), "CREATE");
  EXPECT_EQ(compares.at(1).as_object().at("create_revision"), "9");
  EXPECT_EQ(compares.at(1).as_object().at("key").as_string(), base64_encode("/q/rollout/leader"));
  const auto& failure = body.at("failure").as_array();
  ASSERT_EQ(failure.size(), 2U);
  EXPECT_EQ(failure.at(0).as_object().at("request_range").as_object().at("key").as_string(),
            base64_encode("/q/state"));
  EXPECT_EQ(failure.at(1).as_object().at("request_range").as_object().at("key").as_string(),
            base64_encode("/q/rollout/leader"));
}

TEST(EtcdMessages, WatchBody) {
  auto body = json::parse(watch_request("/q/", true, 12)).as_object();
  const auto& create = body.at("create_request").as_object();
  EXPECT_EQ(create.at("key").as_string(), base64_encode("/q/"));
  EXPECT_EQ(create.at("range_end").as_string(), base64_encode("/q0"));
  EXPECT_EQ(create.at("start_revision"), "12");
  EXPECT_FALSE(json::parse(watch_request("/k", false, 0))
                   .as_object()
                   .at("create_request")
                   .as_object()
                   .contains("start_revision"));
}

}  // namespace
}  // namespace quikedge::etcd
