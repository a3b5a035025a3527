// The responses the proxy itself makes for a request head it cannot serve.
#pragma once

#include "http/message_head.hpp"

namespace quikedge::http {

/// The status a request head that failed to parse is answered with; 0 for ok
/// and incomplete (nothing to answer yet). Such a connection is always closed.
[[nodiscard]] constexpr int reply_status_for(parse_status status) {
  switch (status) {
    case parse_status::ok:
    case parse_status::incomplete:
      return 0;
    case parse_status::bad_request:
      return 400;
    case parse_status::header_too_large:
      return 431;
    case parse_status::not_implemented:
      return 501;
    case parse_status::bad_version:
      return 505;
  }
  return 400;
}

}  // namespace quikedge::http
