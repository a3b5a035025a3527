// WebSocket frame boundary tracking.
#include "http/ws_frame_tracker.hpp"

#include <algorithm>

namespace quikedge::http {

void ws_frame_tracker::header_complete() {
  const std::uint8_t length7 = header_[1] & 0x7f;
  std::uint64_t length = length7;
  if (length7 == 126) {
    length = (std::uint64_t{header_[2]} << 8) | header_[3];
  } else if (length7 == 127) {
    length = 0;
    for (int i = 2; i < 10; ++i) {
      length = (length << 8) | header_[i];
    }
  }
  payload_left_ = length;
  header_have_ = 0;
  header_need_ = 2;
}

std::size_t ws_frame_tracker::advance(std::string_view bytes, bool stop_at_boundary) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (payload_left_ > 0) {
      auto take =
          static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, bytes.size() - i));
      payload_left_ -= take;
      i += take;
      if (payload_left_ == 0 && stop_at_boundary) {
        return i;
      }
      continue;
    }
    header_[header_have_++] = static_cast<std::uint8_t>(bytes[i++]);
    if (header_have_ == 2) {
      const std::uint8_t length7 = header_[1] & 0x7f;
      const bool masked = (header_[1] & 0x80) != 0;
      header_need_ = static_cast<std::uint8_t>(2 +
                                               (length7 == 126   ? 2
                                                : length7 == 127 ? 8
                                                                 : 0) +
                                               (masked ? 4 : 0));
    }
    if (header_have_ == header_need_) {
      header_complete();
      if (payload_left_ == 0 && stop_at_boundary) {
        return i;
      }
    }
  }
  return i;
}

std::string_view ws_close_frame_from_server() {
  // FIN + opcode 8, length 2, status 1001 = 0x03e9.
  static constexpr char frame[] = {'\x88', '\x02', '\x03', '\xe9'};
  return {frame, sizeof frame};
}

void ws_close_frame_from_client(std::uint32_t mask, unsigned char (&out)[8]) {
  const unsigned char key[4] = {
      static_cast<unsigned char>(mask >> 24), static_cast<unsigned char>(mask >> 16),
      static_cast<unsigned char>(mask >> 8), static_cast<unsigned char>(mask)};
  out[0] = 0x88;
  out[1] = 0x82;  // masked, length 2
  for (int i = 0; i < 4; ++i) {
    out[2 + i] = key[i];
  }
  out[6] = static_cast<unsigned char>(0x03 ^ key[0]);
  out[7] = static_cast<unsigned char>(0xe9 ^ key[1]);
}

}  // namespace quikedge::http
