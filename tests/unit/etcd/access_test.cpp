// etcd::access without a network: the authenticate body read from the password
// file as it is now, the answers that mean "authenticate again", and the
// tokens kept per member.
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "etcd/access.hpp"

namespace quikedge::etcd {
namespace {

namespace fs = std::filesystem;

class EtcdAccess : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("quikedge-access-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    settings_.endpoints = {{"127.0.0.1", 2379}, {"127.0.0.1", 2380}};
    settings_.username = "quikedge";
    settings_.password_file = (dir_ / "password").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_password(const std::string& text) {
    std::ofstream(settings_.password_file, std::ios::binary | std::ios::trunc) << text;
  }

  fs::path dir_;
  etcd_config settings_;
};

TEST_F(EtcdAccess, ThePasswordIsReadAtEachAuthenticationWithoutItsNewline) {
  access how(settings_);
  ASSERT_TRUE(how.authenticates());
  write_password("s3cret \"quoted\"\n");
  std::string why;
  auto body = how.authenticate_request(why);
  ASSERT_TRUE(body) << why;
  auto parsed = boost::json::parse(*body).as_object();
  EXPECT_EQ(parsed.at("name").as_string(), "quikedge");
  EXPECT_EQ(parsed.at("password").as_string(), "s3cret \"quoted\"");  // escaped, not cut
  // A rotated secret is used by the next authentication, without a restart.
  write_password("rotated\r\n");
  body = how.authenticate_request(why);
  ASSERT_TRUE(body) << why;
  EXPECT_EQ(boost::json::parse(*body).at("password").as_string(), "rotated");
}

TEST_F(EtcdAccess, AnEmptyOrMissingPasswordFileIsAnErrorNotAnEmptyPassword) {
  access how(settings_);
  write_password("\n");
  std::string why;
  EXPECT_FALSE(how.authenticate_request(why));
  EXPECT_NE(why.find("is empty"), std::string::npos) << why;
  fs::remove(settings_.password_file);
  EXPECT_FALSE(how.authenticate_request(why));
  EXPECT_NE(why.find("cannot read state.etcd.password_file"), std::string::npos) << why;
}

TEST_F(EtcdAccess, TokensAreKeptPerMemberAndForgottenOnlyWhenStillCurrent) {
  access how(settings_);
  const address a{"127.0.0.1", 2379};
  const address b{"127.0.0.1", 2380};
  EXPECT_EQ(how.token_for(a), nullptr);
  how.remember(a, "token-a.1");
  ASSERT_NE(how.token_for(a), nullptr);
  EXPECT_EQ(*how.token_for(a), "token-a.1");
  EXPECT_EQ(how.token_for(b), nullptr);  // simple tokens are valid on their member only
  // Another client renewed the token meanwhile: an old refusal keeps the new one.
  how.remember(a, "token-a.2");
  how.forget(a, "token-a.1");
  EXPECT_EQ(*how.token_for(a), "token-a.2");
  how.forget(a, "token-a.2");
  EXPECT_EQ(how.token_for(a), nullptr);
}

TEST(EtcdAnswers, WhichAnswersMeanAuthenticateAgain) {
  const std::string denied = R"({"error":"etcdserver: permission denied","code":7})";
  EXPECT_TRUE(token_refused(401, R"({"error":"etcdserver: invalid auth token","code":16})", true));
  // Sent without a token (authentication was off): etcd's answers once it is on.
  EXPECT_TRUE(token_refused(400, R"({"error":"etcdserver: user name is empty","code":3})", false));
  EXPECT_TRUE(token_refused(403, denied, false));
  // With a token, a 403 is the user's rights, not a sign-in to renew.
  EXPECT_FALSE(token_refused(403, denied, true));
  EXPECT_FALSE(
      token_refused(400, R"({"error":"etcdserver: key is not provided","code":3})", false));
  EXPECT_FALSE(token_refused(200, "{}", false));
  EXPECT_TRUE(
      authentication_off(400, R"({"error":"etcdserver: authentication is not enabled","code":9})"));
  EXPECT_FALSE(authentication_off(200, R"({"token":"x"})"));
}

TEST(EtcdAccessPlain, HttpEndpointsHaveNoTlsAndNoCredentials) {
  etcd_config plain;
  plain.endpoints = {{"127.0.0.1", 2379}};
  access how(plain);
  EXPECT_EQ(how.tls_context(), nullptr);
  EXPECT_FALSE(how.authenticates());
}

TEST(EtcdAccessPlain, AnUnloadableCaFailsWithTheFileNamed) {
  etcd_config tls;
  tls.endpoints = {{"127.0.0.1", 2379}};
  tls.use_tls = true;
  tls.tls = etcd_tls_config{};
  tls.tls->ca = "/nonexistent/etcd-ca.pem";
  try {
    access how(tls);
    FAIL() << "a CA that cannot be loaded was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/etcd-ca.pem"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace quikedge::etcd
