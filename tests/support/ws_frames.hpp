// WebSocket frames as a test client sends them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace quikedge::test {

/// A client frame: FIN, `opcode`, masked with a fixed key (payloads under 126 bytes).
inline std::string masked_frame(std::uint8_t opcode, const std::string& payload) {
  const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | opcode));
  frame.push_back(static_cast<char>(0x80 | payload.size()));
  frame.append(reinterpret_cast<const char*>(mask), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  }
  return frame;
}

}  // namespace quikedge::test
