// Chunked body boundary detection, whole and split at every byte.
#include <gtest/gtest.h>

#include "http/chunked_scanner.hpp"

namespace quikedge::http {
namespace {

TEST(ChunkedScanner, FindsEndOfBodyAndStopsThere) {
  std::string body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\nNEXT";
  chunked_scanner scanner;
  EXPECT_EQ(scanner.scan(body), body.size() - 4);
  EXPECT_TRUE(scanner.done());
  EXPECT_EQ(scanner.payload_bytes(), 11U);
}

TEST(ChunkedScanner, SameResultWhenFedOneByteAtATime) {
  std::string body = "a\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
  chunked_scanner scanner;
  std::size_t used = 0;
  for (char c : body) {
    used += scanner.scan(std::string_view(&c, 1));
  }
  EXPECT_EQ(used, body.size());
  EXPECT_TRUE(scanner.done());
  EXPECT_EQ(scanner.payload_bytes(), 10U);
}

TEST(ChunkedScanner, RefusesBadFraming) {
  for (std::string bad :
       {"x\r\n", "5\r\nhelloXX", "\r\n", "5\r\nhello\rX", "fffffffffffffffffff\r\n"}) {
    chunked_scanner scanner;
    scanner.scan(bad);
    EXPECT_TRUE(scanner.failed()) << bad;
  }
}

TEST(ChunkedScanner, IncompleteIsNotDoneNorFailed) {
  chunked_scanner scanner;
  EXPECT_EQ(scanner.scan("5\r\nhel"), 6U);
  EXPECT_FALSE(scanner.done());
  EXPECT_FALSE(scanner.failed());
}

}  // namespace
}  // namespace quikedge::http
