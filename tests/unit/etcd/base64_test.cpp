// Base64 as etcd's gateway spells keys and values: RFC 4648 vectors, every byte
// value round trip, and the non-canonical inputs refused.
#include <gtest/gtest.h>

#include <string>

#include "etcd/base64.hpp"

namespace quikedge::etcd {
namespace {

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
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
  EXPECT_EQ(base64_decode("Zm9"), std::nullopt);       // length
  EXPECT_EQ(base64_decode("Zm9v!A=="), std::nullopt);  // alphabet
  EXPECT_EQ(base64_decode("Zg==Zm9v"), std::nullopt);  // padding in the middle
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);      // three pads
  EXPECT_EQ(base64_decode("Zm=v"), std::nullopt);      // data after a pad
  EXPECT_EQ(base64_decode("Zm9v\n"), std::nullopt);
}

}  // namespace
}  // namespace quikedge::etcd
