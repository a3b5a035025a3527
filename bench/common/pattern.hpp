// The bytes that every generated body is made of: byte i of a body is
// pattern_alphabet[i % 64], so a client can check a body that went through a proxy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace quikedge::bench {

inline constexpr std::string_view pattern_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Largest run handed out at once: big enough that streaming a large body is cheap in
// syscalls, small enough to stay in cache.
inline constexpr std::size_t pattern_run = 64 * 1024;

// The bytes of a body from offset `position` on, at most `max_length` (and pattern_run)
// long. Backed by one static block, so streaming a body of any size takes no memory.
inline std::string_view pattern_slice(std::uint64_t position, std::uint64_t max_length) {
  static const std::string block = [] {
    std::string b(pattern_run + pattern_alphabet.size(), '\0');
    for (std::size_t i = 0; i < b.size(); ++i) {
      b[i] = pattern_alphabet[i % pattern_alphabet.size()];
    }
    return b;
  }();
  const std::size_t offset = position % pattern_alphabet.size();
  const std::size_t length =
      max_length < pattern_run ? static_cast<std::size_t>(max_length) : pattern_run;
  return std::string_view(block).substr(offset, length);
}

// A body of `size` pattern bytes held in memory (only for small bodies).
inline std::string pattern_string(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    s[i] = pattern_alphabet[i % pattern_alphabet.size()];
  }
  return s;
}

}  // namespace quikedge::bench
