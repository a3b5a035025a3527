// The JSON messages of etcd v3's gateway (/v3/kv/*, /v3/watch, /v3/lease/*): the
// request bodies quikedge sends and the answers it reads, as plain structs. Pure
// functions, no I/O: the client and the watch feed them text.
//
// The gateway spells 64-bit integers as JSON strings ("revision":"12") and keys and
// values as base64; both are hidden here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quikedge::etcd {

struct key_value {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;
};

struct response_header {
  std::int64_t revision = 0;
  std::uint64_t member_id = 0;
};

/// An answer the gateway turned into {"error": ..., "code": N} (gRPC codes:
/// 5 not found, 9 failed precondition, 14 unavailable, ...).
struct gateway_error {
  int code = 0;
  std::string message;
};

struct range_result {
  response_header header;
  std::vector<key_value> kvs;
};

struct txn_result {
  response_header header;
  bool succeeded = false;
  std::vector<key_value> current;  ///< on failure: what the key holds now (if asked)
};

struct lease_result {
  response_header header;
  std::int64_t id = 0;
  std::int64_t ttl = 0;  ///< 0 or less after a keep-alive: the lease is gone
};

struct watch_event {
  enum class kind { put, remove };
  kind type = kind::put;
  key_value kv;
};

/// One line of the watch stream.
struct watch_message {
  response_header header;
  bool created = false;
  bool canceled = false;
  std::int64_t compact_revision = 0;  ///< >0: the start revision was compacted away
  std::string cancel_reason;          ///< e.g. "... etcdserver: invalid auth token"
  std::vector<watch_event> events;
};

// ---- request bodies --------------------------------------------------------

/// The smallest key after every key that starts with `prefix` (etcd's range_end).
[[nodiscard]] std::string prefix_end(std::string_view prefix);

[[nodiscard]] std::string range_request(std::string_view key, bool whole_prefix);
[[nodiscard]] std::string put_request(std::string_view key, std::string_view value,
                                      std::int64_t lease = 0);
[[nodiscard]] std::string delete_request(std::string_view key);

/// Puts `value` only while `key`'s mod_revision is `expected` (0: the key must not
/// exist). On failure the answer carries the key's current value.
[[nodiscard]] std::string compare_and_put_request(std::string_view key, std::string_view value,
                                                  std::int64_t expected_mod_revision,
                                                  std::int64_t lease = 0);

/// compare_and_put_request that also requires `fence_key` to still have the
/// create_revision `fence_revision`. On failure the answer carries both keys'
/// current values (the fence key's absent if it is gone).
[[nodiscard]] std::string fenced_compare_and_put_request(std::string_view key,
                                                         std::string_view value,
                                                         std::int64_t expected_mod_revision,
                                                         std::string_view fence_key,
                                                         std::int64_t fence_revision);

/// Puts `value` at `key` only while `fence_key` still has the create_revision
/// `fence_revision`: a leader's write that fails once another has been elected.
[[nodiscard]] std::string fenced_put_request(std::string_view fence_key,
                                             std::int64_t fence_revision, std::string_view key,
                                             std::string_view value);

[[nodiscard]] std::string lease_grant_request(std::int64_t ttl_seconds);
[[nodiscard]] std::string lease_id_request(std::int64_t id);  ///< keepalive and revoke

/// Watches `key` (or everything under it) from `start_revision` (0: from now).
[[nodiscard]] std::string watch_request(std::string_view key, bool whole_prefix,
                                        std::int64_t start_revision);

// ---- answers -----------------------------------------------------------------
// Each returns nullopt when the text is not the expected shape; `error` is then
// set when the gateway reported an error instead.

[[nodiscard]] std::optional<range_result> parse_range(std::string_view json, gateway_error* error);
[[nodiscard]] std::optional<txn_result> parse_txn(std::string_view json, gateway_error* error);
[[nodiscard]] std::optional<response_header> parse_header_only(std::string_view json,
                                                               gateway_error* error);
/// Grant answers are flat; keep-alive answers are wrapped in "result".
[[nodiscard]] std::optional<lease_result> parse_lease(std::string_view json, gateway_error* error);
/// The token of a POST /v3/auth/authenticate answer.
[[nodiscard]] std::optional<std::string> parse_token(std::string_view json, gateway_error* error);
[[nodiscard]] std::optional<watch_message> parse_watch_line(std::string_view json,
                                                            gateway_error* error);

}  // namespace quikedge::etcd
