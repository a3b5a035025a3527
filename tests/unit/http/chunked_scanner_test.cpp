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

namespace quikedge::http {
namespace {

// Each of these is read differently by some backend than by a strict parser
// (bare LF or CR as a line end, whitespace, controls), so all are refused.
TEST(ChunkedScanner, RefusesEverythingButCrlfLineEnds) {
  for (std::string bad : {
           "5\nhello\r\n0\r\n\r\n",          // bare LF after the size
           "5\r\nhello\n0\r\n\r\n",          // bare LF after the data
           "5\r\nhello\r0\r\n\r\n",          // bare CR after the data
           "5;a=b\nhello\r\n0\r\n\r\n",      // bare LF ending an extension
           "5;a\nb\r\nhello\r\n0\r\n\r\n",   // LF inside an extension
           "5 \r\nhello\r\n0\r\n\r\n",       // blank without an extension
           "5;a\x01\r\nhello\r\n0\r\n\r\n",  // control byte in an extension
           "0\r\n\n",                        // bare LF ending the message
           "0\r\nX: y\n\r\n",                // bare LF ending a trailer
           "0\r\nX: y\r\n z\r\n\r\n",        // obs-fold in the trailers
           "0\r\nX y\r\n\r\n",               // trailer line that is no field
           "0\r\nX: \x7f\r\n\r\n",           // DEL in a trailer value
       }) {
    chunked_scanner scanner;
    scanner.scan(bad);
    EXPECT_TRUE(scanner.failed()) << bad;
  }
}

TEST(ChunkedScanner, AcceptsExtensionsWithBlanksBeforeThem) {
  chunked_scanner scanner;
  std::string body = "5 ;a=\"q;x\"\r\nhello\r\n0;last\r\nX-T: v\r\n\r\n";
  EXPECT_EQ(scanner.scan(body), body.size());
  EXPECT_TRUE(scanner.done());
}

TEST(ChunkedScanner, BoundsSizeLinesAndTrailers) {
  chunked_scanner long_line;
  long_line.scan("5;" + std::string(chunked_scanner::max_line_bytes, 'a'));
  EXPECT_TRUE(long_line.failed());
  chunked_scanner long_trailers;
  std::string trailers = "0\r\n";
  while (trailers.size() < chunked_scanner::max_trailer_bytes + 100) {
    trailers += "X-T: " + std::string(60, 'v') + "\r\n";
  }
  long_trailers.scan(trailers);
  EXPECT_TRUE(long_trailers.failed());
}

TEST(ChunkedScanner, StepReturnsPayloadAsViews) {
  chunked_scanner scanner;
  std::string body = "3\r\nabc\r\n0\r\n\r\n";
  auto first = scanner.step(body);
  EXPECT_EQ(first.payload, "abc");
  EXPECT_EQ(first.payload.data(), body.data() + 3);
  EXPECT_EQ(first.consumed, 6U);
  auto rest = scanner.step(std::string_view(body).substr(first.consumed));
  EXPECT_TRUE(rest.payload.empty());
  EXPECT_TRUE(scanner.done());
}

}  // namespace
}  // namespace quikedge::http
