// server_names: exact names before wildcards, one label per wildcard, case and a
// trailing dot ignored, the first certificate naming a host wins.
#include <gtest/gtest.h>

#include "tls/server_names.hpp"

namespace quikedge::tls {
namespace {

TEST(ServerNames, ExactNameWinsOverAWildcard) {
  server_names names;
  names.add("*.quikapp.com", 1);
  names.add("api.quikapp.com", 2);
  EXPECT_EQ(names.find("api.quikapp.com"), 2U);
  EXPECT_EQ(names.find("app.quikapp.com"), 1U);
}

TEST(ServerNames, WildcardCoversExactlyOneLabel) {
  server_names names;
  names.add("*.quikapp.com", 0);
  EXPECT_EQ(names.find("quikapp.com"), std::nullopt);
  EXPECT_EQ(names.find("a.b.quikapp.com"), std::nullopt);
  EXPECT_EQ(names.find(".quikapp.com"), std::nullopt);
  EXPECT_EQ(names.find("a.quikapp.com"), 0U);
}

TEST(ServerNames, CaseAndTrailingDotDoNotMatter) {
  server_names names;
  names.add("App.QuikApp.com", 3);
  EXPECT_EQ(names.find("app.quikapp.COM."), 3U);
  EXPECT_EQ(normalize_host("A.B."), "a.b");
}

TEST(ServerNames, FirstCertificateNamingAHostKeepsIt) {
  server_names names;
  names.add("app.quikapp.com", 0);
  names.add("app.quikapp.com", 1);
  names.add("*.quikapp.com", 2);
  names.add("*.quikapp.com", 3);
  EXPECT_EQ(names.find("app.quikapp.com"), 0U);
  EXPECT_EQ(names.find("www.quikapp.com"), 2U);
}

TEST(ServerNames, UnknownOrEmptyHostHasNoCertificate) {
  server_names names;
  EXPECT_TRUE(names.empty());
  names.add("app.quikapp.com", 0);
  EXPECT_EQ(names.find("example.com"), std::nullopt);
  EXPECT_EQ(names.find(""), std::nullopt);
}

}  // namespace
}  // namespace quikedge::tls
