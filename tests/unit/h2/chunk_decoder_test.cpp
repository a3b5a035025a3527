// De-chunking the exchange's canonical chunked output into DATA payload.
#include <gtest/gtest.h>

#include <string>

#include "h2/chunk_decoder.hpp"

namespace quikedge::h2 {
namespace {

std::string decode_all(std::string_view input, std::size_t step, bool* ok, bool* done) {
  chunk_decoder decoder;
  std::string payload;
  *ok = true;
  for (std::size_t at = 0; at < input.size(); at += step) {
    *ok = *ok &&
          decoder.feed(input.substr(at, step), [&](std::string_view run) { payload.append(run); });
  }
  *done = decoder.done();
  return payload;
}

TEST(ChunkDecoder, PayloadOfEveryChunkWholeOrSplitAtEveryByte) {
  const std::string body = "5\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n";
  for (std::size_t step = 1; step <= body.size(); ++step) {
    bool ok = false;
    bool done = false;
    EXPECT_EQ(decode_all(body, step, &ok, &done), "helloabcdefghijklmnopqrstuvwxyz") << step;
    EXPECT_TRUE(ok);
    EXPECT_TRUE(done);
  }
}

TEST(ChunkDecoder, NotDoneBeforeTheLastChunk) {
  bool ok = false;
  bool done = true;
  EXPECT_EQ(decode_all("3\r\nabc\r\n", 100, &ok, &done), "abc");
  EXPECT_TRUE(ok);
  EXPECT_FALSE(done);
}

TEST(ChunkDecoder, RefusesWhatIsNotCanonicalFraming) {
  bool ok = true;
  bool done = false;
  decode_all("3;ext\r\nabc\r\n0\r\n\r\n", 100, &ok, &done);
  EXPECT_FALSE(ok);
  decode_all("3\r\nabcX\r\n", 100, &ok, &done);
  EXPECT_FALSE(ok);
  decode_all("\r\n", 100, &ok, &done);
  EXPECT_FALSE(ok);
  decode_all("0\r\n\r\nextra", 100, &ok, &done);
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace quikedge::h2
