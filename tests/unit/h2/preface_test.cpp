// The h2c prior-knowledge preface decides a plain connection's protocol.
#include <gtest/gtest.h>

#include "h2/preface.hpp"

namespace quikedge::h2 {
namespace {

TEST(Preface, WholePrefaceIsHttp2) {
  EXPECT_EQ(match_preface(client_preface), preface_match::full);
  EXPECT_EQ(match_preface(std::string(client_preface) + "\x00\x00\x12\x04"), preface_match::full);
}

TEST(Preface, EveryStrictPrefixWaitsForMore) {
  for (std::size_t n = 1; n < client_preface.size(); ++n) {
    EXPECT_EQ(match_preface(client_preface.substr(0, n)), preface_match::partial) << n;
  }
}

TEST(Preface, Http1RequestsAreNotHttp2) {
  EXPECT_EQ(match_preface("GET / HTTP/1.1\r\n"), preface_match::no);
  EXPECT_EQ(match_preface("P"), preface_match::partial);
  EXPECT_EQ(match_preface("POST / HTTP/1.1\r\n"), preface_match::no);
  EXPECT_EQ(match_preface("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"), preface_match::no);
}

}  // namespace
}  // namespace quikedge::h2
