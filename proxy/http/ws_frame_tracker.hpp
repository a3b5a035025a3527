// Follows WebSocket frame boundaries (RFC 6455 section 5.2) in a byte stream
// without buffering or unmasking anything, so the proxy can inject a close
// frame between two frames, never inside one.
#pragma once

#include <cstdint>
#include <string_view>

namespace quikedge::http {

class ws_frame_tracker {
 public:
  /// Advances over `bytes`; returns how many of them were consumed, which is
  /// fewer than all only when `stop_at_boundary` is set and a frame ended inside
  /// `bytes` (the return value is then the offset of that boundary).
  std::size_t advance(std::string_view bytes, bool stop_at_boundary);

  /// True between frames: no frame has been partly forwarded.
  [[nodiscard]] bool at_boundary() const { return header_have_ == 0 && payload_left_ == 0; }

 private:
  void header_complete();

  std::uint8_t header_[14] = {};
  std::uint8_t header_have_ = 0;
  std::uint8_t header_need_ = 2;
  std::uint64_t payload_left_ = 0;
};

/// A close frame with status 1001 (going away), unmasked, as a server sends it.
std::string_view ws_close_frame_from_server();

/// The same close frame masked with `mask`, as a client must send it. Writes
/// 8 bytes into `out`.
void ws_close_frame_from_client(std::uint32_t mask, unsigned char (&out)[8]);

}  // namespace quikedge::http
