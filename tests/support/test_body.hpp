// Body bytes for tests: a pattern without period for uploads, and the upstream's own
// /bytes pattern for checking what it sends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace quikedge::test {

/// Test body bytes that make a shifted or dropped byte visible: byte i depends on all of i.
char test_body_byte(std::uint64_t i);
void fill_test_body(std::uint64_t offset, char* out, std::size_t n);
std::string make_test_body(std::size_t size);

/// The upstream's /bytes/N pattern: byte i is alphabet[i % 64], alphabet = A-Za-z0-9-_.
char upstream_pattern_byte(std::uint64_t i);
void fill_upstream_pattern(std::uint64_t offset, char* out, std::size_t n);
/// True when `data` equals the upstream pattern from body offset `offset` on.
bool matches_upstream_pattern(std::uint64_t offset, std::string_view data);

}  // namespace quikedge::test
