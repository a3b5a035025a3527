// How the bench tools read into the proxy's byte_buffer (bench/common/buffer_io.hpp):
// compaction only when less than half is free behind the data, growth only on request.
#include <gtest/gtest.h>

#include <cstring>
#include <string_view>

#include "common/buffer_io.hpp"

namespace quikedge::bench {
namespace {

void append(byte_buffer& buffer, std::string_view bytes) {
  const boost::asio::mutable_buffer space = read_space(buffer);
  ASSERT_GE(space.size(), bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

TEST(BufferIo, ReadSpaceIsEverythingBehindTheData) {
  byte_buffer buffer(16);
  EXPECT_EQ(read_space(buffer).size(), 16u);
  append(buffer, "0123456789");
  EXPECT_EQ(read_space(buffer).size(), 6u);
  EXPECT_EQ(buffer.view(), "0123456789");
}

TEST(BufferIo, CompactsOnlyWhenLessThanHalfIsFree) {
  byte_buffer buffer(16);
  append(buffer, "0123456");
  buffer.consume(4);
  // 9 bytes free behind the data: more than half, so the data stays where it is.
  const char* before = buffer.data();
  EXPECT_EQ(read_space(buffer).size(), 9u);
  EXPECT_EQ(buffer.data(), before);
  append(buffer, "789ab");
  // 4 free behind it now: the 8 bytes of data move to the front.
  EXPECT_EQ(read_space(buffer).size(), 8u);
  EXPECT_EQ(buffer.view(), "456789ab");
  EXPECT_EQ(buffer.capacity(), 16u);
}

TEST(BufferIo, FullBufferHasNoReadSpaceAndGrowKeepsTheData) {
  byte_buffer buffer(8);
  append(buffer, "abcdefgh");
  EXPECT_TRUE(full(buffer));
  EXPECT_EQ(read_space(buffer).size(), 0u);
  grow(buffer, 20);
  EXPECT_EQ(buffer.capacity(), 20u);
  EXPECT_FALSE(full(buffer));
  EXPECT_EQ(buffer.view(), "abcdefgh");
  EXPECT_EQ(read_space(buffer).size(), 12u);
  grow(buffer, 10);  // never shrinks
  EXPECT_EQ(buffer.capacity(), 20u);
}

}  // namespace
}  // namespace quikedge::bench
