// The request line's version and target, and Host values (RFC 9112 2.3, 3.2):
// what a request may name and how, checked strictly. Pure; any thread.
#pragma once

#include <string_view>

#include "http/message_head.hpp"

namespace quikedge::http {

/// True when `host` holds only uri-host [":" port] characters: no userinfo,
/// path, query, fragment, blanks or controls.
bool is_valid_host(std::string_view host);

/// HTTP/1.0 and HTTP/1.1 only: sets `minor`; bad_version (505) for another
/// well-formed version, bad_request for anything else.
parse_status parse_request_version(std::string_view text, int& minor);

/// Checks head.target's form: origin-form, absolute-form (then head.target
/// becomes its path and head.host its authority) or "*" for OPTIONS.
parse_status parse_request_target(message_head& head);

}  // namespace quikedge::http
