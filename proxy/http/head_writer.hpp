// Writes the heads the proxy sends: the request to the upstream and the response
// to the client, with hop-by-hop headers removed and the forwarding headers set
//. Output goes into a string the session reuses, so no allocation once warm.
#pragma once

#include <string>
#include <string_view>

#include "http/message_head.hpp"

namespace quikedge::http {

struct upstream_request_facts {
  std::string_view client_ip;
  bool client_tls = false;
  std::string_view request_id;     ///< used when the request carries none
  std::string_view host_fallback;  ///< Host for HTTP/1.0 requests without one
  bool websocket = false;          ///< forward the WebSocket upgrade
  /// False when the client is not a trusted proxy: its X-Forwarded-For is
  /// dropped and replaced by client_ip alone, so it cannot forge one.
  bool keep_forwarded_for = true;
};

/// Request head for the upstream. HTTP/1.0 clients are forwarded as HTTP/1.0
/// with keep-alive asked for, so the upstream never answers them chunked.
void write_upstream_request_head(const message_head& request, const upstream_request_facts& facts,
                                 std::string& out);

struct client_response_facts {
  bool keep_alive = true;  ///< the proxy keeps the client connection open after this
  int client_version_minor = 1;
  std::string_view stack_header;  ///< e.g. X-QuikEdge-Stack; empty: none
  std::string_view stack_name;
  std::string_view set_cookie;  ///< Set-Cookie value to add; empty: none
  bool upgrade = false;         ///< a 101 to a WebSocket upgrade
};

/// Response head for the client.
void write_client_response_head(const message_head& response, const client_response_facts& facts,
                                std::string& out);

/// A complete response the proxy makes itself (4xx/5xx) with a short text body.
void write_error_response(int status, bool close, std::string& out);

/// Reason phrase for the statuses the proxy produces ("Unknown" for others).
std::string_view reason_phrase(int status);

/// The RFC 9110 reason phrase of a common status, or an empty view. Shared with
/// the bench tools (quikedge-upstream writes any status a route asks for).
std::string_view known_reason_phrase(int status);

}  // namespace quikedge::http
