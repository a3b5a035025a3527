// Per-worker request ids (X-Request-Id). Worker only.
#pragma once

#include <cstdint>
#include <string>

namespace quikedge::http {

/// 128-bit request ids from a per-worker xorshift generator: unique enough for
/// tracing, and free of locks and syscalls.
class request_id_generator {
 public:
  explicit request_id_generator(std::uint64_t seed);
  /// Writes 32 lower-case hex digits into `out` (which is overwritten).
  void next(std::string& out);

 private:
  std::uint64_t state_[2];
};

}  // namespace quikedge::http
