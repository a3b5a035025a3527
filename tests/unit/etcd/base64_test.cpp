// Base64 as etcd's gateway spells keys and values: RFC 4648 vectors, every byte
// value round trip, and the non-canonical inputs refused.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>

#include "etcd/base64.hpp"

namespace quikedge::etcd {
namespace {

TEST(Base64, Rfc4648Vectors) {
  for (auto [bytes, text] : {std::pair<std::string_view, std::string_view>{"", ""},
                             {"f", "Zg=="},
                             {"fo", "Zm8="},
                             {"foo", "Zm9v"},
                             {"foob", "Zm9vYg=="},
                             {"fooba", "Zm9vYmE="},
                             {"foobar", "Zm9vYmFy"}}) {
    EXPECT_EQ(base64_encode(bytes), text) << "encoding '" << bytes << "'";
  }
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Base64, EveryByteRoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all += static_cast<char>(i);
  }
  for (std::size_t length = 0; length <= all.size(); length += 37) {
    std::string bytes = all.substr(0, length);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << length;
  }
}

TEST(Base64, RefusesWhatIsNotCanonical) {
  for (std::string_view text : {
           "Zm9",       // length
           "Zm9v!A==",  // alphabet
           "Zg==Zm9v",  // padding in the middle
           "Z===",      // three pads
           "Zm=v",      // data after a pad
           "Zm9v\n",
       }) {
    EXPECT_EQ(base64_decode(text), std::nullopt) << "decoding '" << text << "'";
  }
}

}  // namespace
}  // namespace quikedge::etcd
