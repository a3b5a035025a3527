// Request and response bodies that make corruption visible: byte i of each body is
// computed from i, so a dropped, repeated or shifted byte shows where it happened.
#include "support/test_body.hpp"

#include <algorithm>
#include <cstring>

namespace quikedge::test {

char test_body_byte(std::uint64_t i) {
  // splitmix64 of the offset: no period, so any shift, loss or duplication shows.
  std::uint64_t z = i + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<char>(z ^ (z >> 31));
}

void fill_test_body(std::uint64_t offset, char* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = test_body_byte(offset + i);
  }
}

std::string make_test_body(std::size_t size) {
  std::string body(size, '\0');
  fill_test_body(0, body.data(), size);
  return body;
}

namespace {

constexpr std::string_view pattern_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The pattern repeated, so that any run of up to 64 KiB at any phase is one substring.
const std::string& pattern_block() {
  static const std::string block = [] {
    std::string b(64 * 1024 + pattern_alphabet.size(), '\0');
    for (std::size_t i = 0; i < b.size(); ++i) {
      b[i] = pattern_alphabet[i % pattern_alphabet.size()];
    }
    return b;
  }();
  return block;
}

}  // namespace

char upstream_pattern_byte(std::uint64_t i) {
  return pattern_alphabet[i % pattern_alphabet.size()];
}

void fill_upstream_pattern(std::uint64_t offset, char* out, std::size_t n) {
  const std::size_t run_max = pattern_block().size() - pattern_alphabet.size();
  while (n > 0) {
    const std::size_t run = std::min(n, run_max);
    std::memcpy(out, pattern_block().data() + offset % pattern_alphabet.size(), run);
    out += run;
    offset += run;
    n -= run;
  }
}

bool matches_upstream_pattern(std::uint64_t offset, std::string_view data) {
  const std::size_t run_max = pattern_block().size() - pattern_alphabet.size();
  while (!data.empty()) {
    const std::size_t run = std::min(data.size(), run_max);
    if (std::memcmp(data.data(), pattern_block().data() + offset % pattern_alphabet.size(), run) !=
        0) {
      return false;
    }
    data.remove_prefix(run);
    offset += run;
  }
  return true;
}

}  // namespace quikedge::test
