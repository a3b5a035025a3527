// Everything one request/response pair on a downstream connection knows about
// itself. A new request constructs a fresh value, so no field can leak from the
// previous one. Strings and buffers whose capacity is reused across requests
// live in the long-lived connection and exchange objects instead. Worker only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/session_clock.hpp"
#include "routing/routing_table.hpp"
#include "upstream/endpoint_selector.hpp"

namespace quikedge::http {

/// Where the request body is while the response may already be arriving.
enum class upload_state : std::uint8_t {
  idle,       ///< no body left to send (none, or sent with the head, or done)
  streaming,  ///< body bytes still move client → upstream
  aborted,    ///< the upstream got a partial body: never reuse either connection
};

/// Methods whose repetition is harmless (RFC 9110 9.2.2): such a request may be
/// replayed after a failure that could have reached the upstream.
[[nodiscard]] inline bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

struct request_state {
  // What the request head said.
  int version_minor = 1;
  bool keep_alive = true;  ///< the client connection may carry another request
  bool is_head = false;
  bool idempotent = false;
  bool expect_continue = false;  ///< a 100 Continue is still owed to the client
  bool websocket = false;

  // Where it goes. `table` is the snapshot the request started with.
  routing::routing_table_ptr table;
  int stack_index = -1;
  int endpoint_index = -1;

  // The upstream attempt(s).
  bool upstream_reused = false;   ///< the connection came from the pool
  bool replayed = false;          ///< already replayed once on a fresh connection
  bool endpoint_started = false;  ///< counted in the selector's in-flight numbers
  unsigned attempts = 0;          ///< retries on other endpoints so far
  upstream::tried_endpoints tried;
  upload_state upload = upload_state::idle;
  bool response_started = false;
  bool upstream_keep_alive = true;
  std::size_t pending_body_bytes = 0;      ///< client bytes behind the upstream write in flight
  std::size_t pending_response_bytes = 0;  ///< upstream bytes behind the client write in flight

  // What is recorded at the end.
  int status = 0;
  bool log_this = false;  ///< sampled for the access log
  clock::time_point started{};
  clock::time_point upstream_started{};
  clock::duration upstream_time{};
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;

  [[nodiscard]] bool routed() const { return stack_index >= 0 && table != nullptr; }
  [[nodiscard]] const routing::stack_entry& stack() const {
    return table->stacks()[static_cast<std::size_t>(stack_index)];
  }
  [[nodiscard]] const routing::endpoint_entry& endpoint() const {
    return stack().endpoints[static_cast<std::size_t>(endpoint_index)];
  }
};

}  // namespace quikedge::http
