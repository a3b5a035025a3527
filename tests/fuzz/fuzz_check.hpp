// FUZZ_CHECK: an invariant that must hold for every input. A violation prints
// the condition and aborts, so libFuzzer saves the input as a crash reproducer.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace quikedge::fuzz {

[[noreturn]] inline void invariant_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, condition);
  std::abort();
}

/// True when `part` lies inside `whole` (an empty view may point anywhere).
inline bool is_inside(std::string_view part, std::string_view whole) {
  if (part.empty()) {
    return true;
  }
  // Compared as integers: ordering pointers into different objects is unspecified.
  const auto begin = reinterpret_cast<std::uintptr_t>(whole.data());
  const auto first = reinterpret_cast<std::uintptr_t>(part.data());
  return first >= begin && first + part.size() <= begin + whole.size();
}

}  // namespace quikedge::fuzz

// Checked in every build type: the fuzzers compile with NDEBUG in RelWithDebInfo.
#define FUZZ_CHECK(condition)                                             \
  do {                                                                    \
    if (!(condition)) {                                                   \
      ::quikedge::fuzz::invariant_failed(#condition, __FILE__, __LINE__); \
    }                                                                     \
  } while (false)
