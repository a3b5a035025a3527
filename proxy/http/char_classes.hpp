// Byte classes of HTTP/1.x syntax as lookup tables, built at compile time:
// tokens (RFC 9110 tchar) and the characters of a host (RFC 3986). Any thread.
#pragma once

#include <array>
#include <string_view>

namespace quikedge::http {

/// A byte table of the letters and digits plus `extra`.
constexpr std::array<bool, 256> make_char_table(std::string_view extra) {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) {
    table[c] = true;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    table[c] = true;
  }
  for (int c = 'A'; c <= 'Z'; ++c) {
    table[c] = true;
  }
  for (char c : extra) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}

/// The value of a hexadecimal digit, or -1 (chunk sizes).
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// RFC 9110 tchar: the characters allowed in methods and header names.
inline constexpr auto tchar_table = make_char_table("!#$%&'*+-.^_`|~");

// RFC 3986 uri-host [":" port] characters: unreserved, pct-encoded, sub-delims,
// ':' and the brackets of an IP literal. No '@' (userinfo), '/', '?' or '#'.
inline constexpr auto host_table = make_char_table("-._~!$&'()*+,;=%:[]");

}  // namespace quikedge::http
