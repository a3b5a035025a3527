// The body relay forwards in the proxy's own framing: Content-Length bodies as
// they are, chunked bodies decoded and re-encoded without extensions, trailers or
// anything another parser could split differently.
#include <gtest/gtest.h>

#include <string>

#include "http/body_relay.hpp"

namespace quikedge::http {
namespace {

std::string joined(const relay_output& out) {
  std::string text;
  out.for_each_piece([&](std::string_view piece) { text.append(piece); });
  return text;
}

/// Feeds `input` in pieces of `step` bytes, as reads would deliver it, and
/// returns everything the relay would send; `used` gets the input bytes used.
std::string relay_in_steps(body_relay& relay, std::string_view input, std::size_t step,
                           std::size_t& used) {
  relay_output out;
  std::string sent;
  used = 0;
  std::string pending;  // what a read buffer would hold: unused bytes stay
  std::size_t offset = 0;
  while (offset < input.size() && !relay.complete() && !relay.failed()) {
    pending.append(input.substr(offset, step));
    offset += std::min(step, input.size() - offset);
    std::size_t n = relay.take(pending, out);
    sent += joined(out);
    used += n;
    pending.erase(0, n);
  }
  return sent;
}

TEST(BodyRelay, ContentLengthPassesThePayloadInPlace) {
  body_relay relay;
  relay.start(body_framing::content_length, 5);
  relay_output out;
  std::string input = "hello" + std::string(600, 'x');  // the rest is the next request
  EXPECT_EQ(relay.take(input, out), 5U);
  EXPECT_EQ(joined(out), "hello");
  EXPECT_TRUE(relay.complete());
}

TEST(BodyRelay, LargePayloadIsReferencedNotCopied) {
  body_relay relay;
  std::string input(4096, 'a');
  relay.start(body_framing::content_length, input.size());
  relay_output out;
  relay.take(input, out);
  bool referenced = false;
  out.for_each_piece([&](std::string_view piece) { referenced |= piece.data() == input.data(); });
  EXPECT_TRUE(referenced);
}

TEST(BodyRelay, ChunkedIsReencodedWithoutExtensionsOrTrailers) {
  body_relay relay;
  relay.start(body_framing::chunked, 0);
  relay_output out;
  std::string input = "5;name=\"v\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
  EXPECT_EQ(relay.take(input, out), input.size() - 4);
  EXPECT_TRUE(relay.complete());
  EXPECT_EQ(joined(out), "b\r\nhello world\r\n0\r\n\r\n");
  EXPECT_EQ(relay.payload_bytes(), 11U);
}

TEST(BodyRelay, ChunkedSplitAtEveryByteSendsTheSamePayload) {
  std::string input = "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
  for (std::size_t step = 1; step <= input.size(); ++step) {
    body_relay relay;
    relay.start(body_framing::chunked, 0);
    std::size_t used = 0;
    std::string sent = relay_in_steps(relay, input, step, used);
    ASSERT_TRUE(relay.complete()) << step;
    EXPECT_EQ(used, input.size()) << step;
    // Decode what was sent with a fresh scanner: the payload must be identical.
    chunked_scanner check;
    std::string payload;
    std::string_view rest = sent;
    while (!rest.empty() && !check.done()) {
      auto s = check.step(rest);
      payload.append(s.payload);
      rest.remove_prefix(s.consumed);
    }
    EXPECT_TRUE(check.done()) << step << ": " << sent;
    EXPECT_TRUE(rest.empty()) << step;
    EXPECT_EQ(payload, "abc0123456789abcdef") << step;
  }
}

TEST(BodyRelay, TinyChunksBecomeOneContiguousChunk) {
  std::string input;
  for (int i = 0; i < 1000; ++i) {
    input += "1\r\nz\r\n";
  }
  input += "0\r\n\r\n";
  body_relay relay;
  relay.start(body_framing::chunked, 0);
  relay_output out;
  relay.take(input, out);
  std::size_t pieces = 0;
  out.for_each_piece([&](std::string_view) { ++pieces; });
  EXPECT_LE(pieces, 2U);
  EXPECT_EQ(joined(out), "3e8\r\n" + std::string(1000, 'z') + "\r\n0\r\n\r\n");
}

TEST(BodyRelay, BrokenChunkFramingFailsAndForwardsNothing) {
  for (std::string bad : {"5\nhello\r\n0\r\n\r\n", "5\r\nhello\n0\r\n\r\n", "5\r\nhello\r\n0\n\n",
                          "5\r\nhello\r\n0\r\n\n", "5\r\nhello\r\n0\r\nX: y\n\r\n"}) {
    body_relay relay;
    relay.start(body_framing::chunked, 0);
    relay_output out;
    relay.take(bad, out);
    EXPECT_TRUE(relay.failed()) << bad;
    EXPECT_TRUE(out.empty()) << bad;
  }
}

TEST(BodyRelay, UntilCloseEndsAtEof) {
  body_relay relay;
  relay.start(body_framing::until_close, 0);
  relay_output out;
  EXPECT_EQ(relay.take("abc", out), 3U);
  EXPECT_FALSE(relay.complete());
  relay.on_eof();
  EXPECT_TRUE(relay.complete());
}

TEST(BodyRelay, EofInsideALengthIsAFailure) {
  body_relay relay;
  relay.start(body_framing::content_length, 10);
  relay_output out;
  relay.take("abc", out);
  relay.on_eof();
  EXPECT_TRUE(relay.failed());
}

}  // namespace
}  // namespace quikedge::http

namespace quikedge::http {
namespace {

TEST(BodyRelay, AnnouncedBytesCountTheChunkStillToCome) {
  body_relay relay;
  relay.start(body_framing::chunked, 0);
  relay_output out;
  relay.take("5\r\nhello\r\nffffff\r\nab", out);
  EXPECT_EQ(relay.payload_bytes(), 7U);
  EXPECT_EQ(relay.announced_bytes(), 5U + 0xffffffU);
}

}  // namespace
}  // namespace quikedge::http
