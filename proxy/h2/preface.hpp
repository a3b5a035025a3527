// Recognises the HTTP/2 client connection preface (RFC 9113 3.4) at the start
// of a plain connection, so one port serves h2c with prior knowledge and
// HTTP/1.x. Pure.
#pragma once

#include <string_view>

namespace quikedge::h2 {

inline constexpr std::string_view client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class preface_match { no, partial, full };

/// `full`: `input` starts with the whole preface; `partial`: it is a strict
/// prefix of it (read more before deciding); `no`: HTTP/1.x or garbage.
[[nodiscard]] preface_match match_preface(std::string_view input);

}  // namespace quikedge::h2
