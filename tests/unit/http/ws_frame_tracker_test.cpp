// WebSocket frame boundaries across every header length and split.
#include <gtest/gtest.h>

#include "http/ws_frame_tracker.hpp"

namespace quikedge::http {
namespace {

std::string frame(std::size_t payload, bool masked) {
  std::string out;
  out.push_back('\x82');
  const char mask_bit = masked ? '\x80' : '\0';
  if (payload < 126) {
    out.push_back(static_cast<char>(mask_bit | static_cast<char>(payload)));
  } else if (payload < 65536) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(payload >> 8));
    out.push_back(static_cast<char>(payload & 0xff));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) {
      out.push_back(static_cast<char>((payload >> (8 * i)) & 0xff));
    }
  }
  if (masked) {
    out.append("\x01\x02\x03\x04", 4);
  }
  out.append(payload, 'p');
  return out;
}

TEST(WsFrameTracker, BoundariesForEveryLengthEncoding) {
  for (bool masked : {false, true}) {
    for (std::size_t size : {0UL, 5UL, 125UL, 126UL, 300UL, 70000UL}) {
      std::string bytes = frame(size, masked) + frame(3, masked);
      ws_frame_tracker tracker;
      std::size_t first = tracker.advance(bytes, true);
      EXPECT_EQ(first, frame(size, masked).size()) << size;
      EXPECT_TRUE(tracker.at_boundary());
      EXPECT_EQ(tracker.advance(std::string_view(bytes).substr(first), false),
                frame(3, masked).size());
      EXPECT_TRUE(tracker.at_boundary());
    }
  }
}

TEST(WsFrameTracker, ByteByByteIsMidFrameUntilTheEnd) {
  std::string bytes = frame(200, true);
  ws_frame_tracker tracker;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    EXPECT_EQ(tracker.advance(std::string_view(bytes).substr(i, 1), false), 1U);
    EXPECT_EQ(tracker.at_boundary(), i + 1 == bytes.size()) << i;
  }
}

TEST(WsCloseFrames, ServerAndMaskedClientFrames) {
  EXPECT_EQ(ws_close_frame_from_server(), std::string_view("\x88\x02\x03\xe9", 4));
  unsigned char masked[8];
  ws_close_frame_from_client(0x11223344, masked);
  EXPECT_EQ(masked[0], 0x88);
  EXPECT_EQ(masked[1], 0x82);
  EXPECT_EQ(masked[6] ^ masked[2], 0x03);
  EXPECT_EQ(masked[7] ^ masked[3], 0xe9);
}

}  // namespace
}  // namespace quikedge::http
