// TLS termination seen from real clients: curl over every SNI name (exact,
// wildcard, unknown), openssl s_client for the protocol versions, ALPN,
// X-Forwarded-Proto, session resumption, and the TLS metrics (promtool-clean).
#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <ctime>
#include <fstream>

#include "integration/tls_fixture.hpp"

namespace quikedge::test {
namespace {

constexpr const char* promtool = "/usr/bin/promtool";

class tls_termination : public tls_fixture {
 protected:
  void SetUp() override {
    tls_fixture::SetUp();
    app_ = ca_->issue("app", "/CN=app.quikapp.test", {"app.quikapp.test"});
    api_ = ca_->issue("api", "/CN=api.quikapp.test", {"api.quikapp.test"});
    wildcard_ = ca_->issue("wildcard", "/CN=ws.quikapp.test", {"*.ws.quikapp.test"});
    ASSERT_TRUE(start_tls({app_, api_, wildcard_}));
  }

  /// curl -v over TLS to `name` (resolved to 127.0.0.1); `extra` more flags.
  command_result curl(const std::string& name, const std::string& target,
                      std::vector<std::string> extra = {}) {
    const std::string port_text = std::to_string(port());
    std::vector<std::string> argv = {"/usr/bin/curl",
                                     "-sS",
                                     "-v",
                                     "--max-time",
                                     "10",
                                     "--cacert",
                                     ca_->certificate().string(),
                                     "--resolve",
                                     name + ":" + port_text + ":127.0.0.1",
                                     "-w",
                                     "\nstatus=%{http_code}",
                                     "https://" + name + ":" + port_text + target};
    argv.insert(argv.begin() + 1, extra.begin(), extra.end());
    return run_command(argv);
  }

  /// openssl s_client with one protocol flag ("-tls1_1"); SECLEVEL=0 lets the
  /// client offer old versions, so a refusal is the server's.
  command_result s_client(const std::string& version_flag) {
    return run_command({"/usr/bin/openssl", "s_client", "-connect",
                        "127.0.0.1:" + std::to_string(port()), "-servername", "app.quikapp.test",
                        "-CAfile", ca_->certificate().string(), "-cipher", "DEFAULT@SECLEVEL=0",
                        version_flag});
  }

  double failures(const std::string& reason) {
    return proxy.metric("quikedge_tls_handshake_failures_total",
                        {{"listener", "http"}, {"reason", reason}});
  }

  certificate_files app_, api_, wildcard_;
};

TEST_F(tls_termination, curl_gets_the_certificate_of_every_sni_name) {
  const std::pair<std::string, std::string> cases[] = {
      {"app.quikapp.test", "CN=app.quikapp.test"},
      {"api.quikapp.test", "CN=api.quikapp.test"},
      {"eu.ws.quikapp.test", "CN=ws.quikapp.test"},
      {"us.ws.quikapp.test", "CN=ws.quikapp.test"},
  };
  for (const auto& [name, subject] : cases) {
    auto result = curl(name, "/");
    EXPECT_EQ(result.exit_status, 0) << name << ": " << result.err;
    EXPECT_NE(result.out.find("status=200"), std::string::npos) << name << ": " << result.out;
    EXPECT_NE(result.err.find("subject: " + subject), std::string::npos) << name << result.err;
    EXPECT_NE(result.err.find("ALPN: server accepted http/1.1"), std::string::npos) << result.err;
  }
}

TEST_F(tls_termination, unknown_or_missing_sni_gets_the_first_certificate) {
  auto unknown = curl("other.example", "/", {"--insecure"});
  EXPECT_EQ(unknown.exit_status, 0) << unknown.err;
  EXPECT_NE(unknown.err.find("subject: CN=app.quikapp.test"), std::string::npos) << unknown.err;
  // The wildcard covers one label, not two and not its own parent.
  auto deep = curl("a.eu.ws.quikapp.test", "/", {"--insecure"});
  EXPECT_NE(deep.err.find("subject: CN=app.quikapp.test"), std::string::npos) << deep.err;
  auto bare = run_command({"/usr/bin/openssl", "s_client", "-connect",
                           "127.0.0.1:" + std::to_string(port()), "-noservername"});
  EXPECT_NE(bare.out.find("subject=CN = app.quikapp.test"), std::string::npos) << bare.out;
}

TEST_F(tls_termination, tls_1_0_and_1_1_are_refused_and_1_3_is_chosen) {
  for (const char* flag : {"-tls1", "-tls1_1"}) {
    auto old = s_client(flag);
    EXPECT_NE(old.exit_status, 0) << flag << old.out << old.err;
    EXPECT_EQ(old.out.find("BEGIN CERTIFICATE"), std::string::npos) << flag << old.out;
  }
  EXPECT_TRUE(eventually([&] { return failures("protocol_version") >= 2; }, std::chrono::seconds(5),
                         "protocol_version failures counted"));
  auto modern = s_client("-tls1_3");
  EXPECT_EQ(modern.exit_status, 0) << modern.out << modern.err;
  EXPECT_NE(modern.out.find("New, TLSv1.3"), std::string::npos) << modern.out;
  EXPECT_NE(modern.out.find("Verify return code: 0 (ok)"), std::string::npos) << modern.out;
  auto tls12 = s_client("-tls1_2");
  EXPECT_NE(tls12.out.find("New, TLSv1.2, Cipher is ECDHE-ECDSA-"), std::string::npos) << tls12.out;
}

TEST_F(tls_termination, requests_carry_x_forwarded_proto_https_and_cookies_are_secure) {
  auto client = connect("api.quikapp.test");
  ASSERT_TRUE(client->connected()) << client->error();
  EXPECT_EQ(client->alpn(), "http/1.1");
  for (int i = 0; i < 3; ++i) {  // one keep-alive connection
    auto response = client->get("/headers");
    ASSERT_EQ(response.status, 200) << response.error;
    EXPECT_NE(response.body.find("X-Forwarded-Proto: https"), std::string::npos) << response.body;
    EXPECT_EQ(response.header("X-QuikEdge-Stack"), "blue");
    const std::string cookie = response.header("Set-Cookie");
    EXPECT_EQ(cookie.rfind("quikedge_stack=blue", 0), 0U) << cookie;
    EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  }
}

TEST_F(tls_termination, sessions_resume_on_a_new_connection) {
  auto first = connect("app.quikapp.test");
  ASSERT_TRUE(first->connected()) << first->error();
  ASSERT_EQ(first->get("/").status, 200);  // the TLS 1.3 ticket arrives with the reply
  EXPECT_FALSE(first->resumed());
  // Taken while `first` is open: OpenSSL marks a session that ends without a
  // close_notify as not resumable.
  SSL_SESSION* session = first->session();
  ASSERT_NE(session, nullptr);
  auto second = connect("app.quikapp.test", session);
  SSL_SESSION_free(session);
  ASSERT_TRUE(second->connected()) << second->error();
  EXPECT_TRUE(second->resumed());
  EXPECT_EQ(second->get("/").status, 200);
  EXPECT_TRUE(eventually(
      [&] {
        return proxy.metric("quikedge_tls_handshakes_total",
                            {{"listener", "http"}, {"version", "1.3"}, {"resumed", "true"}}) >= 1;
      },
      std::chrono::seconds(5), "a resumed handshake counted"));
}

TEST_F(tls_termination, metrics_show_expiry_and_handshakes_and_pass_promtool) {
  ASSERT_EQ(curl("api.quikapp.test", "/").exit_status, 0);
  run_command(
      {"/usr/bin/curl", "-sS", "--max-time", "5", "http://127.0.0.1:" + std::to_string(port())});
  const auto now = static_cast<double>(std::time(nullptr));
  for (const char* subject : {"CN=app.quikapp.test", "CN=api.quikapp.test", "CN=ws.quikapp.test"}) {
    double expiry =
        proxy.metric("quikedge_tls_certificate_expiry_timestamp_seconds",
                     {{"environment", "test"}, {"listener", "http"}, {"subject", subject}});
    EXPECT_GT(expiry, now + 29 * 86400.0) << subject;  // issued for 30 days
    EXPECT_LT(expiry, now + 31 * 86400.0) << subject;
  }
  EXPECT_TRUE(eventually(
      [&] {
        return proxy.metric("quikedge_tls_handshakes_total",
                            {{"listener", "http"}, {"version", "1.3"}, {"resumed", "false"}}) >=
                   1 &&
               failures("plain_http") >= 1;
      },
      std::chrono::seconds(5), "handshake and plain-HTTP failure counted"));
  if (!std::filesystem::exists(promtool)) {
    GTEST_SKIP() << promtool << " is missing (Debian package prometheus)";
  }
  const auto file = proxy.directory() / "scrape.txt";
  std::ofstream(file) << proxy.admin("GET", "/metrics").body;
  auto result =
      run_command({"/bin/sh", "-c",
                   std::string("exec ") + promtool + " check metrics < '" + file.string() + "'"});
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
  EXPECT_EQ(result.out + result.err, "") << "promtool lint findings";
}

}  // namespace
}  // namespace quikedge::test
