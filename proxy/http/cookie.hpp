// Cookie reading and the sticky Set-Cookie that pins a client to its stack.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/message_head.hpp"

namespace quikedge::http {

/// Value of cookie `name` in the request's Cookie headers (RFC 6265 5.4), or nullopt.
std::optional<std::string_view> find_cookie(const message_head& head, std::string_view name);

/// Value of header `name`, or nullopt (first occurrence).
std::optional<std::string_view> find_header(const message_head& head, std::string_view name);

/// "NAME=VALUE; Path=/; Max-Age=N; HttpOnly; SameSite=Lax[; Secure]"
void write_sticky_cookie(std::string& out, std::string_view name, std::string_view value,
                         std::chrono::milliseconds ttl, bool secure);

}  // namespace quikedge::http
