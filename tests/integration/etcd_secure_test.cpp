// etcd over TLS with etcd's own authentication, against a real 3-member
// cluster started with --client-cert-auth and then `etcdctl auth enable`:
// quikedge's client signs in on each member it reaches (simple tokens live in
// one member's memory), signs in again when a restarted member forgot its
// token, keeps working when credentials were rolled out before auth was
// enabled, and refuses members whose certificate its CA did not sign. Then a
// fleet of real quikedge processes shares its weights through that cluster,
// and a replica with a wrong password says why it does not come up.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etcd/access.hpp"
#include "etcd/etcd_messages.hpp"
#include "etcd/gateway_client.hpp"
#include "etcd/watch_stream.hpp"
#include "support/child_process.hpp"
#include "support/etcd_cluster.hpp"
#include "support/eventually.hpp"
#include "support/gateway_calls.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"
#include "support/test_certificates.hpp"
#include "support/upstream_process.hpp"

namespace quikedge::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* user = "quikedge";
constexpr const char* password = "fleet-secret-1";
constexpr const char* prefix = "/quikedge/";

using answer = gateway_answer;

class EtcdSecureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!etcd_available()) {
      GTEST_SKIP() << "etcd-server is not installed (scripts/install-deps.sh installs it)";
    }
    dir_ =
        fs::temp_directory_path() / ("quikedge-etcd-tls-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ca_ = std::make_unique<test_ca>(dir_);
    // The members' certificate names the address clients dial. The client
    // certificate has no CommonName: etcd's gateway refuses one that has.
    auto member = ca_->issue("member", "/CN=etcd-member", {"IP:127.0.0.1", "localhost"},
                             "serverAuth,clientAuth");
    client_ = ca_->issue("client", "/O=quikedge-fleet", {}, "clientAuth");
    cluster_ = std::make_unique<etcd_cluster>(
        3, etcd_tls_files{ca_->certificate(), member.certificate, member.private_key,
                          client_.certificate, client_.private_key});
    password_file_ = dir_ / "etcd-password";
    std::ofstream(password_file_) << password << "\n";  // as `kubectl create secret` mounts it
  }

  void TearDown() override {
    cluster_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  void enable_auth() { cluster_->enable_auth(user, password, prefix); }

  /// The settings a replica's config would give: https, the CA, the client pair, the user.
  etcd_config settings(bool with_user = true) const {
    etcd_config s;
    s.endpoints = cluster_->endpoints();
    s.use_tls = true;
    s.tls = etcd_tls_config{ca_->certificate().string(), client_.certificate.string(),
                            client_.private_key.string(), "", true};
    if (with_user) {
      s.username = user;
      s.password_file = password_file_.string();
    }
    return s;
  }

  std::shared_ptr<etcd::gateway_client> client(etcd::access_ptr how, std::vector<address> members) {
    return std::make_shared<etcd::gateway_client>(io_, std::move(how), std::move(members), 2000ms);
  }

  bool run_until(const std::function<bool()>& done) { return run_io_until(io_, done, 20s); }

  answer call(etcd::gateway_client& c, const std::string& path, const std::string& body) {
    return call_and_wait(io_, c, path, body, 20s);
  }

  answer put(etcd::gateway_client& c, const std::string& key, const std::string& value) {
    return call(c, "/v3/kv/put", etcd::put_request(key, value));
  }

  std::optional<std::string> get(etcd::gateway_client& c, const std::string& key) {
    auto a = call(c, "/v3/kv/range", etcd::range_request(key, false));
    auto range = etcd::parse_range(a.body, nullptr);
    if (!range || range->kvs.empty()) {
      return std::nullopt;
    }
    return range->kvs[0].value;
  }

  fs::path dir_;
  std::unique_ptr<test_ca> ca_;
  certificate_files client_;
  fs::path password_file_;
  std::unique_ptr<etcd_cluster> cluster_;
  boost::asio::io_context io_{1};
};

TEST_F(EtcdSecureTest, CallsOverTlsSignInOnEachMemberTheyReach) {
  enable_auth();
  auto how = etcd::make_access(settings());
  auto writer = client(how, {cluster_->endpoints()[0]});
  auto reader = client(how, {cluster_->endpoints()[2]});
  auto wrote = put(*writer, "/quikedge/t/weights", R"({"blue":0,"green":100})");
  ASSERT_EQ(wrote.status, 200u) << wrote.body << wrote.ec.message();
  EXPECT_EQ(get(*reader, "/quikedge/t/weights"), R"({"blue":0,"green":100})");
  // Signed in on each member it reached.
  ASSERT_NE(how->token_for(cluster_->endpoints()[0]), nullptr);
  ASSERT_NE(how->token_for(cluster_->endpoints()[2]), nullptr);
  EXPECT_NE(*how->token_for(cluster_->endpoints()[0]), *how->token_for(cluster_->endpoints()[2]));
  EXPECT_EQ(how->token_for(cluster_->endpoints()[1]), nullptr);

  // The cluster really refuses what the client did not earn: no user, or a
  // key outside the user's prefix.
  auto anonymous = client(etcd::make_access(settings(false)), {cluster_->endpoints()[1]});
  auto refused = put(*anonymous, "/quikedge/t/weights", "{}");
  EXPECT_EQ(refused.status, 403u) << refused.body;
  EXPECT_NE(refused.body.find("permission denied"), std::string::npos) << refused.body;
  auto outside = put(*writer, "/elsewhere/x", "{}");
  EXPECT_EQ(outside.status, 403u) << outside.body;
}

TEST_F(EtcdSecureTest, AWrongPasswordIsEtcdsRefusalNotATimeout) {
  enable_auth();
  std::ofstream(password_file_, std::ios::trunc) << "not-the-password\n";
  auto c = client(etcd::make_access(settings()), cluster_->endpoints());
  const auto asked = std::chrono::steady_clock::now();
  auto a = put(*c, "/quikedge/t/x", "{}");
  EXPECT_FALSE(a.ec) << a.ec.message();
  EXPECT_EQ(a.status, 400u) << a.body;
  EXPECT_NE(a.body.find("authentication failed"), std::string::npos) << a.body;
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 2s) << "a refusal must not wait out timeouts";

  // The file is read at each sign-in: the rotated secret works without a restart.
  std::ofstream(password_file_, std::ios::trunc) << password << "\n";
  auto again = put(*c, "/quikedge/t/x", "{}");
  EXPECT_EQ(again.status, 200u) << again.body;
}

TEST_F(EtcdSecureTest, ARefusedTokenIsRenewedAndARestartedMemberReachedAgain) {
  enable_auth();
  auto how = etcd::make_access(settings());
  auto c = client(how, {cluster_->endpoints()[0]});
  ASSERT_EQ(put(*c, "/quikedge/t/before", "1").status, 200u);
  const std::string old_token = *how->token_for(cluster_->endpoints()[0]);
  cluster_->kill(0);
  cluster_->start({0});
  // The connection is gone; the client reconnects with what it knows.
  auto a = put(*c, "/quikedge/t/after", "2");
  EXPECT_EQ(a.status, 200u) << a.body << a.ec.message();

  // A token the member does not know (expired after 5 idle minutes, or
  // forged) is answered 401: the client signs in once more and the call goes.
  how->remember(cluster_->endpoints()[0], "forged.1");
  auto b = put(*c, "/quikedge/t/after", "3");
  EXPECT_EQ(b.status, 200u) << b.body << b.ec.message();
  ASSERT_NE(how->token_for(cluster_->endpoints()[0]), nullptr);
  EXPECT_NE(*how->token_for(cluster_->endpoints()[0]), "forged.1");
  EXPECT_NE(*how->token_for(cluster_->endpoints()[0]), old_token);
  EXPECT_EQ(get(*c, "/quikedge/t/after"), "3");
}

TEST_F(EtcdSecureTest, CredentialsRolledOutBeforeAuthIsEnabledKeepWorkingAfter) {
  auto how = etcd::make_access(settings());
  auto c = client(how, {cluster_->endpoints()[1]});
  // Authentication off: the sign-in is answered "not enabled" and calls go without a token.
  ASSERT_EQ(put(*c, "/quikedge/t/k", "off").status, 200u);
  ASSERT_NE(how->token_for(cluster_->endpoints()[1]), nullptr);
  EXPECT_EQ(*how->token_for(cluster_->endpoints()[1]), "");
  enable_auth();
  // Now a call without a token is refused ("user name is empty"): the client signs in.
  auto a = put(*c, "/quikedge/t/k", "on");
  EXPECT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(get(*c, "/quikedge/t/k"), "on");
  EXPECT_FALSE(how->token_for(cluster_->endpoints()[1])->empty());
}

TEST_F(EtcdSecureTest, AWatchOverTlsCarriesItsMembersToken) {
  enable_auth();
  auto how = etcd::make_access(settings());
  std::vector<std::string> seen;
  std::optional<std::string> broken;
  auto watch = std::make_shared<etcd::watch_stream>(
      io_, how, cluster_->endpoints()[1], "/quikedge/w/", true,
      etcd::watch_stream::handlers{[&](const etcd::watch_message& m) {
                                     for (const auto& e : m.events) {
                                       seen.push_back(e.kv.value);
                                     }
                                   },
                                   [&](const std::string& why) { broken = why; }});
  watch->start(0, 3000ms);
  // Created only once the member accepted the token.
  ASSERT_TRUE(
      run_until([&] { return how->token_for(cluster_->endpoints()[1]) != nullptr || broken; }));
  ASSERT_FALSE(broken) << *broken;
  auto writer = client(how, {cluster_->endpoints()[0]});
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(put(*writer, "/quikedge/w/k", "v" + std::to_string(i)).status, 200u);
  }
  ASSERT_TRUE(run_until([&] { return seen.size() >= 3 || broken; }));
  ASSERT_FALSE(broken) << *broken;
  EXPECT_EQ(seen, (std::vector<std::string>{"v0", "v1", "v2"}));
  watch->stop();

  // A token the member does not know cancels the watch and is forgotten.
  how->remember(cluster_->endpoints()[2], "forged.1");
  auto refused = std::make_shared<etcd::watch_stream>(
      io_, how, cluster_->endpoints()[2], "/quikedge/w/", true,
      etcd::watch_stream::handlers{[](const etcd::watch_message&) {},
                                   [&](const std::string& why) { broken = why; }});
  broken.reset();
  refused->start(0, 3000ms);
  ASSERT_TRUE(run_until([&] { return broken.has_value(); }));
  EXPECT_NE(broken->find("invalid auth token"), std::string::npos) << *broken;
  EXPECT_EQ(how->token_for(cluster_->endpoints()[2]), nullptr);
}

TEST_F(EtcdSecureTest, AMemberOutsideTheCaOrACallWithoutTheClientCertificateIsRefused) {
  enable_auth();
  fs::create_directories(dir_ / "other");
  test_ca other(dir_ / "other");
  auto wrong_ca = settings();
  wrong_ca.tls->ca = other.certificate().string();
  auto c = client(etcd::make_access(wrong_ca), cluster_->endpoints());
  auto a = put(*c, "/quikedge/t/x", "{}");
  EXPECT_TRUE(a.ec) << "a member whose certificate the CA did not sign was trusted";
  EXPECT_EQ(a.status, 0u);

  auto no_pair = settings();
  no_pair.tls->certificate.clear();
  no_pair.tls->private_key.clear();
  auto anonymous = client(etcd::make_access(no_pair), cluster_->endpoints());
  auto b = put(*anonymous, "/quikedge/t/x", "{}");
  EXPECT_TRUE(b.ec) << "status " << b.status << " " << b.body;
}

// ---- the real binary ---------------------------------------------------------------

class EtcdSecureFleetTest : public EtcdSecureTest {
 protected:
  void SetUp() override {
    EtcdSecureTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    blue_ = std::make_unique<upstream_process>("blue");
    green_ = std::make_unique<upstream_process>("green");
    ASSERT_TRUE(blue_->start());
    ASSERT_TRUE(green_->start());
    enable_auth();
  }

  void TearDown() override {
    for (auto& r : replicas_) {
      r.reset();
    }
    EtcdSecureTest::TearDown();
  }

  std::string config_for(const std::string& id, const fs::path& password_file) const {
    proxy_config cfg;
    cfg.stacks = {{"blue", {blue_->address()}, 100}, {"green", {green_->address()}, 0}};
    std::string endpoints;
    for (const auto& e : cluster_->endpoints()) {
      endpoints += (endpoints.empty() ? "\"https://" : ", \"https://") + e.to_string() + "\"";
    }
    cfg.top_level_extra =
        "state:\n  backend: etcd\n  etcd:\n    endpoints: [" + endpoints +
        "]\n    prefix: /quikedge/fleet\n    lease_ttl: 2s\n    replica_id: " + id +
        "\n    tls:\n      ca: " + ca_->certificate().string() +
        "\n      certificate: " + client_.certificate.string() +
        "\n      private_key: " + client_.private_key.string() +
        "\n    username: quikedge\n    password_file: " + password_file.string() + "\n";
    return render_config(cfg);
  }

  std::unique_ptr<upstream_process> blue_;
  std::unique_ptr<upstream_process> green_;
  std::array<std::unique_ptr<proxy_process>, 2> replicas_;
};

TEST_F(EtcdSecureFleetTest, TwoReplicasShareWeightsThroughTlsAndAuthenticatedEtcd) {
  for (int i = 0; i < 2; ++i) {
    replicas_[i] = std::make_unique<proxy_process>();
    ASSERT_TRUE(replicas_[i]->start(config_for("secure-" + std::to_string(i), password_file_)));
  }
  auto changed = replicas_[0]->set_weights({{"blue", 0}, {"green", 100}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = http_get(replicas_[1]->http_port(), "/", {}, 2000ms);
        return r.status == 200 && r.header("X-QuikEdge-Stack") == "green";
      },
      3000ms, "the other replica routing to green"));
  // The replica list is read on the registration beat (every ttl/3), which may
  // not have run yet on a slow (sanitizer) build even though routing converged.
  decltype(replicas_[1]->admin("GET", "/api/v1/fleet")) fleet;
  EXPECT_TRUE(eventually(
      [&] {
        fleet = replicas_[1]->admin("GET", "/api/v1/fleet");
        return fleet.status == 200 && fleet.body.find("secure-0") != std::string::npos;
      },
      5000ms, "GET /api/v1/fleet listing the other replica"))
      << fleet.body;
  EXPECT_NE(fleet.body.find("\"store_up\":true"), std::string::npos) << fleet.body;
  // What the replicas stored is under their prefix, readable with the user's rights.
  auto how = etcd::make_access(settings());
  auto c = client(how, cluster_->endpoints());
  auto stored = get(*c, "/quikedge/fleet/state");
  ASSERT_TRUE(stored);
  EXPECT_NE(stored->find("\"green\":100"), std::string::npos) << *stored;
}

TEST_F(EtcdSecureFleetTest, AReplicaWithAWrongPasswordSaysWhyItDoesNotComeUp) {
  const fs::path wrong = dir_ / "wrong-password";
  std::ofstream(wrong) << "guess\n";
  const fs::path config = dir_ / "wrong.yaml";
  std::ofstream(config) << config_for("wrong", wrong);
  child_process replica({bin_path("quikedge"), "--config", config.string()});
  EXPECT_TRUE(eventually(
      [&] { return replica.stderr_text().find("authentication failed") != std::string::npos; },
      10000ms, "the refusal on stderr"))
      << replica.stderr_text();
  EXPECT_EQ(replica.stdout_text().find("quikedge: ready"), std::string::npos)
      << replica.stdout_text();
  EXPECT_TRUE(replica.is_running()) << "it keeps trying until the store lets it in";
}

}  // namespace
}  // namespace quikedge::test
