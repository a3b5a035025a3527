// The end of a request: its counters and, when sampled, its access log line.
// Worker only.
#pragma once

#include <string>

#include "http/request_state.hpp"
#include "http/session_context.hpp"

namespace quikedge::http {

/// The access log fields a connection keeps across requests (their capacity is
/// reused).
struct request_log_fields {
  std::string request_id;
  std::string method;
  std::string path;
};

/// Counts the request with `status` and writes its log line if it was sampled
/// (once: log_this is cleared).
void record_request(session_context& context, request_state& request, const request_log_fields& log,
                    std::string_view client_ip, int status);

}  // namespace quikedge::http
