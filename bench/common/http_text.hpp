// Small text helpers for the hand-rolled HTTP/1.x head parsers of the bench tools (line
// splitting, strict numbers). They are on the hot path of both, so they work on
// string_views and never allocate; token and list checks are the proxy's (quikedge_http).
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>

#include "http/message_head.hpp"

namespace quikedge::bench {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// Case-insensitive names and comma-separated token lists come from the proxy's codec.
using http::iequals;
using http::list_contains_token;

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Strict decimal: digits only, no sign, no spaces, no overflow.
inline bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) {
    return false;
  }
  std::uint64_t v = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (error != std::errc{} || end != s.data() + s.size()) {
    return false;
  }
  out = v;
  return true;
}

// Position just past the empty line that ends a message head in `buf`, or npos. Lines may
// end in CRLF or a bare LF (RFC 9112 section 2.2 lets a recipient accept both).
inline std::size_t find_head_end(std::string_view buf) {
  const char* const begin = buf.data();
  const char* const end = begin + buf.size();
  const char* p = begin;
  while (p < end) {
    const auto* lf =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (lf == nullptr) {
      return std::string_view::npos;
    }
    if (lf + 1 < end && lf[1] == '\n') {
      return static_cast<std::size_t>(lf + 2 - begin);
    }
    if (lf + 2 < end && lf[1] == '\r' && lf[2] == '\n') {
      return static_cast<std::size_t>(lf + 3 - begin);
    }
    p = lf + 1;
  }
  return std::string_view::npos;
}

// Takes the next line (without its CR LF) off the front of `rest`. False when none is left.
inline bool next_line(std::string_view& rest, std::string_view& line) {
  if (rest.empty()) {
    return false;
  }
  const std::size_t lf = rest.find('\n');
  line = rest.substr(0, lf);
  rest.remove_prefix(lf == std::string_view::npos ? rest.size() : lf + 1);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return true;
}

// Splits "Name: value". False for a line without a colon, an empty name or whitespace in
// the name (RFC 9112 section 5.1 makes a server reject that).
inline bool split_header(std::string_view line, std::string_view& name, std::string_view& value) {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) {
    return false;
  }
  name = line.substr(0, colon);
  if (name.find_first_of(" \t") != std::string_view::npos) {
    return false;
  }
  value = trim(line.substr(colon + 1));
  return true;
}

}  // namespace quikedge::bench
