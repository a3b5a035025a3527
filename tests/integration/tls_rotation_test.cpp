// Certificate rotation on reload (POST /api/v1/reload and SIGHUP): new
// handshakes get the re-read certificate while a keep-alive connection and a
// wss:// WebSocket opened before keep working, and sessions resume across it;
// a broken pair is refused with file:line:col and changes nothing.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>

#include "integration/tls_fixture.hpp"

namespace quikedge::test {
namespace {

constexpr const char* app = "app.quikapp.test";

class tls_rotation : public tls_fixture {
 protected:
  void SetUp() override {
    tls_fixture::SetUp();
    pair_ = ca_->issue("app", generation(1), {app});
    ASSERT_TRUE(start_tls({pair_}));
  }

  static std::string generation(int n) {
    return "/CN=app.quikapp.test/O=generation-" + std::to_string(n);
  }
  static std::string served(int n) {
    return "CN=app.quikapp.test,O=generation-" + std::to_string(n);
  }

  /// The subject a new connection is served.
  std::string new_connection_subject() {
    auto client = connect(app);
    return client->connected() ? client->served_subject() : "error: " + client->error();
  }

  certificate_files pair_;
};

TEST_F(tls_rotation, new_handshakes_get_the_new_certificate_and_open_connections_stay) {
  auto keep_alive = connect(app);
  ASSERT_TRUE(keep_alive->connected()) << keep_alive->error();
  ASSERT_EQ(keep_alive->get("/").status, 200);
  EXPECT_EQ(keep_alive->served_subject(), served(1));
  auto websocket = connect(app);
  ASSERT_TRUE(websocket->connected() && websocket->open_websocket("/ws")) << websocket->error();
  ASSERT_EQ(websocket->echo("before"), "before");

  ASSERT_EQ(keep_alive->get("/").status, 200);
  SSL_SESSION* session = keep_alive->session();  // with its TLS 1.3 ticket

  ca_->issue("app", generation(2), {app});  // the same files, rewritten
  ASSERT_EQ(reload(), 200);
  EXPECT_EQ(new_connection_subject(), served(2));
  // Ticket keys outlive the contexts: a client resumes across the rotation.
  auto resumed = connect(app, session);
  SSL_SESSION_free(session);
  ASSERT_TRUE(resumed->connected()) << resumed->error();
  EXPECT_TRUE(resumed->resumed());
  EXPECT_EQ(resumed->get("/").status, 200);

  // The connections from before are the same ones, still served.
  auto response = keep_alive->get("/");
  EXPECT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(websocket->echo("after the reload"), "after the reload") << websocket->error();

  // SIGHUP does the same as the admin call.
  ca_->issue("app", generation(3), {app});
  ASSERT_EQ(::kill(proxy.process().pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return new_connection_subject() == served(3); },
                         std::chrono::seconds(10), "generation 3 served after SIGHUP"));
  EXPECT_EQ(keep_alive->get("/").status, 200);
  EXPECT_EQ(websocket->echo("after SIGHUP"), "after SIGHUP") << websocket->error();
}

TEST_F(tls_rotation, a_mismatched_pair_is_refused_with_its_position_and_changes_nothing) {
  auto keep_alive = connect(app);
  ASSERT_TRUE(keep_alive->connected()) << keep_alive->error();
  std::filesystem::copy_file(ca_->unrelated_key("stray"), pair_.private_key,
                             std::filesystem::copy_options::overwrite_existing);
  auto refused = proxy.admin("POST", "/api/v1/reload");
  EXPECT_EQ(refused.status, 400) << refused.body;
  const std::string position = proxy.config_path().string() + ":";
  EXPECT_NE(refused.body.find(position), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("does not match the certificate"), std::string::npos) << refused.body;
  EXPECT_EQ(new_connection_subject(), served(1));
  EXPECT_EQ(keep_alive->get("/").status, 200);

  auto check = run_command({bin_path("quikedge"), "--check-config", proxy.config_path().string()});
  EXPECT_EQ(check.exit_status, 1);
  EXPECT_NE((check.out + check.err).find("private_key: the key in"), std::string::npos)
      << check.out << check.err;
}

TEST_F(tls_rotation, an_unreadable_certificate_is_refused_and_changes_nothing) {
  std::filesystem::remove(pair_.certificate);
  auto refused = proxy.admin("POST", "/api/v1/reload");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("cannot read"), std::string::npos) << refused.body;
  EXPECT_EQ(new_connection_subject(), served(1));

  ca_->issue("app", generation(2), {app});  // fixed: the next reload goes through
  EXPECT_EQ(reload(), 200);
  EXPECT_EQ(new_connection_subject(), served(2));
}

}  // namespace
}  // namespace quikedge::test
