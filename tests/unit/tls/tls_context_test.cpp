// server_context: certificates made here (OpenSSL API, no files from the repo),
// handshakes driven in memory through BIO pairs (no sockets): TLS 1.3 and ALPN
// http/1.1 chosen, TLS 1.1 refused, min_version 1.3, SNI with exact and
// wildcard names, session resumption by ticket across key rotations, and the
// load errors name the file.
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "tls/tls_context.hpp"

namespace quikedge::tls {
namespace {

namespace fs = std::filesystem;

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};
struct ssl_free {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct ctx_free {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using ssl_ptr = std::unique_ptr<SSL, ssl_free>;

pkey_ptr make_key() {
  return pkey_ptr(EVP_EC_gen("P-256"));
}

void write_pem(const fs::path& path, const std::function<int(FILE*)>& writer) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(writer(f), 1);
  std::fclose(f);
}

/// A self-signed certificate for `name` with `key`, written as PEM; `san`
/// ("DNS:a,DNS:*.b"), when given, becomes its subjectAltName.
void write_certificate(const fs::path& path, EVP_PKEY* key, const char* name,
                       const char* san = nullptr) {
  std::unique_ptr<X509, x509_free> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  if (san != nullptr) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san);
    ASSERT_NE(ext, nullptr);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  ASSERT_GT(X509_sign(cert.get(), key, EVP_sha256()), 0);
  write_pem(path, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
}

void write_key(const fs::path& path, EVP_PKEY* key) {
  write_pem(path, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("quikedge-tls-unit-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    key_ = make_key();
    write_certificate(dir_ / "cert.pem", key_.get(), "app.quikapp.test");
    write_key(dir_ / "key.pem", key_.get());
  }
  void TearDown() override { fs::remove_all(dir_); }

  tls_config pair() const {
    tls_config settings;
    settings.certificates.push_back(
        {(dir_ / "cert.pem").string(), (dir_ / "key.pem").string(), {}});
    return settings;
  }
  std::shared_ptr<server_context> make(const tls_config& settings) {
    return std::make_shared<server_context>(settings, keys_);
  }

  /// Runs a client handshake against `server_ctx` through memory BIOs; returns
  /// the client after both sides stop making progress.
  static ssl_ptr handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx, bool& completed,
                           const char* sni = nullptr, SSL_SESSION* resume = nullptr) {
    ssl_ptr server(SSL_new(server_ctx));
    ssl_ptr client(SSL_new(client_ctx));
    if (sni != nullptr) {
      SSL_set_tlsext_host_name(client.get(), sni);
    }
    if (resume != nullptr) {
      SSL_set_session(client.get(), resume);
    }
    BIO* server_side = nullptr;
    BIO* client_side = nullptr;
    BIO_new_bio_pair(&server_side, 0, &client_side, 0);
    SSL_set_bio(server.get(), server_side, server_side);
    SSL_set_bio(client.get(), client_side, client_side);
    SSL_set_accept_state(server.get());
    SSL_set_connect_state(client.get());
    completed = false;
    // Each side needs a few turns; 20 bounds it whatever happens.
    for (int turn = 0; turn < 20 && !completed; ++turn) {
      int c = SSL_do_handshake(client.get());
      int s = SSL_do_handshake(server.get());
      completed = c == 1 && s == 1;
      if (c <= 0 && SSL_get_error(client.get(), c) == SSL_ERROR_SSL) {
        break;
      }
      if (s <= 0 && SSL_get_error(server.get(), s) == SSL_ERROR_SSL) {
        break;
      }
    }
    if (completed) {
      // TLS 1.3 tickets arrive after the handshake: let the client read them.
      char byte = 0;
      SSL_write(server.get(), "x", 1);
      SSL_read(client.get(), &byte, 1);
    }
    ERR_clear_error();
    return client;
  }

  /// The CN of the certificate the server presented to `client`.
  static std::string served_name(SSL* client) {
    X509* peer = SSL_get0_peer_certificate(client);
    if (peer == nullptr) {
      return "";
    }
    char name[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof name);
    return name;
  }

  fs::path dir_;
  pkey_ptr key_;
  std::shared_ptr<ticket_keys> keys_ = std::make_shared<ticket_keys>();
};

std::unique_ptr<SSL_CTX, ctx_free> client_context(int min_version, int max_version) {
  std::unique_ptr<SSL_CTX, ctx_free> ctx(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_min_proto_version(ctx.get(), min_version);
  SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  SSL_CTX_set_security_level(ctx.get(), 0);  // let the client offer old versions
  static const unsigned char protocols[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx.get(), protocols, sizeof protocols);
  return ctx;
}

TEST_F(TlsContextTest, NegotiatesTls13AndHttp11) {
  auto server = make(pair());
  auto client_ctx = client_context(TLS1_2_VERSION, TLS1_3_VERSION);
  bool completed = false;
  auto client = handshake(server->native(), client_ctx.get(), completed);
  ASSERT_TRUE(completed);
  EXPECT_EQ(SSL_version(client.get()), TLS1_3_VERSION);
  const unsigned char* chosen = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(client.get(), &chosen, &length);
  // h2 is offered first; the proxy speaks HTTP/1.1 only downstream.
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(chosen), length), "http/1.1");
}

TEST_F(TlsContextTest, AcceptsTls12) {
  auto server = make(pair());
  auto client_ctx = client_context(TLS1_2_VERSION, TLS1_2_VERSION);
  bool completed = false;
  auto client = handshake(server->native(), client_ctx.get(), completed);
  ASSERT_TRUE(completed);
  EXPECT_EQ(SSL_version(client.get()), TLS1_2_VERSION);
}

TEST_F(TlsContextTest, RefusesTls11AndTls10) {
  auto server = make(pair());
  // Refused by the context itself, not only by the system's security level.
  EXPECT_EQ(SSL_CTX_get_min_proto_version(server->native()), TLS1_2_VERSION);
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    auto client_ctx = client_context(version, version);
    bool completed = true;
    handshake(server->native(), client_ctx.get(), completed);
    EXPECT_FALSE(completed) << "version " << std::hex << version;
  }
}

/// Building a server_context from `settings` throws a std::runtime_error whose message holds
/// `part`.
testing::AssertionResult refused_naming(const tls_config& settings, const std::string& part) {
  try {
    server_context context(settings, std::make_shared<ticket_keys>());
    return testing::AssertionFailure() << "expected an error";
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find(part) == std::string::npos) {
      return testing::AssertionFailure() << e.what();
    }
  }
  return testing::AssertionSuccess();
}

TEST_F(TlsContextTest, MissingCertificateNamesTheFile) {
  auto settings = pair();
  settings.certificates[0].certificate = (dir_ / "absent.pem").string();
  EXPECT_TRUE(refused_naming(settings, "certificate " + settings.certificates[0].certificate));
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  auto other = make_key();
  write_key(dir_ / "other-key.pem", other.get());
  auto settings = pair();
  settings.certificates[0].private_key = (dir_ / "other-key.pem").string();
  EXPECT_TRUE(refused_naming(settings, "private key " + settings.certificates[0].private_key));
}

TEST_F(TlsContextTest, GarbageKeyFileIsRefused) {
  {
    FILE* f = std::fopen((dir_ / "garbage.pem").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n", f);
    std::fclose(f);
  }
  auto settings = pair();
  settings.certificates[0].private_key = (dir_ / "garbage.pem").string();
  EXPECT_THROW(make(settings), std::runtime_error);
}

TEST_F(TlsContextTest, MinVersion13RefusesTls12) {
  auto settings = pair();
  settings.min_version = tls_version::v1_3;
  auto server = make(settings);
  bool completed = true;
  handshake(server->native(), client_context(TLS1_2_VERSION, TLS1_2_VERSION).get(), completed);
  EXPECT_FALSE(completed);
  auto client =
      handshake(server->native(), client_context(TLS1_2_VERSION, TLS1_3_VERSION).get(), completed);
  ASSERT_TRUE(completed);
  EXPECT_EQ(SSL_version(client.get()), TLS1_3_VERSION);
}

TEST_F(TlsContextTest, SniChoosesByExactAndWildcardNamesWithTheFirstAsDefault) {
  auto api_key = make_key();
  write_certificate(dir_ / "api.pem", api_key.get(), "api.quikapp.test", "DNS:api.quikapp.test");
  write_key(dir_ / "api-key.pem", api_key.get());
  auto wild_key = make_key();
  write_certificate(dir_ / "wild.pem", wild_key.get(), "wildcard", "DNS:*.edge.quikapp.test");
  write_key(dir_ / "wild-key.pem", wild_key.get());
  auto configured_key = make_key();
  write_certificate(dir_ / "conf.pem", configured_key.get(), "configured");
  write_key(dir_ / "conf-key.pem", configured_key.get());
  auto settings = pair();
  settings.certificates.push_back(
      {(dir_ / "api.pem").string(), (dir_ / "api-key.pem").string(), {}});
  settings.certificates.push_back(
      {(dir_ / "wild.pem").string(), (dir_ / "wild-key.pem").string(), {}});
  settings.certificates.push_back(
      {(dir_ / "conf.pem").string(), (dir_ / "conf-key.pem").string(), {"Other.QuikApp.test"}});
  auto server = make(settings);
  ASSERT_EQ(server->certificates().size(), 4U);
  EXPECT_EQ(server->certificates()[1].dns_names, std::vector<std::string>{"api.quikapp.test"});
  const std::pair<const char*, const char*> cases[] = {
      {"app.quikapp.test", "app.quikapp.test"},  // the default's own CN
      {"API.quikapp.test", "api.quikapp.test"},  // names compare without case
      {"eu.edge.quikapp.test", "wildcard"},
      {"a.eu.edge.quikapp.test", "app.quikapp.test"},  // one label only
      {"edge.quikapp.test", "app.quikapp.test"},
      {"other.quikapp.test", "configured"},
      {"unknown.example", "app.quikapp.test"},
      {nullptr, "app.quikapp.test"},
  };
  auto client_ctx = client_context(TLS1_2_VERSION, TLS1_3_VERSION);
  for (const auto& [sni, expected] : cases) {
    bool completed = false;
    auto client = handshake(server->native(), client_ctx.get(), completed, sni);
    ASSERT_TRUE(completed) << (sni ? sni : "(no SNI)");
    EXPECT_EQ(served_name(client.get()), expected) << (sni ? sni : "(no SNI)");
  }
}

TEST_F(TlsContextTest, TicketsResumeAcrossOneRotationButNotAfterTheRingMovesOn) {
  auto server = make(pair());
  auto client_ctx = client_context(TLS1_3_VERSION, TLS1_3_VERSION);
  bool completed = false;
  auto first = handshake(server->native(), client_ctx.get(), completed);
  ASSERT_TRUE(completed);
  EXPECT_EQ(SSL_session_reused(first.get()), 0);
  std::unique_ptr<SSL_SESSION, decltype(&SSL_SESSION_free)> ticket(SSL_get1_session(first.get()),
                                                                   &SSL_SESSION_free);
  ASSERT_TRUE(ticket);
  keys_->rotate();  // sealed by the previous key: still opens
  auto resumed = handshake(server->native(), client_ctx.get(), completed, nullptr, ticket.get());
  ASSERT_TRUE(completed);
  EXPECT_EQ(SSL_session_reused(resumed.get()), 1);
  keys_->rotate();
  keys_->rotate();  // its key has left the ring
  auto full = handshake(server->native(), client_ctx.get(), completed, nullptr, ticket.get());
  ASSERT_TRUE(completed);
  EXPECT_EQ(SSL_session_reused(full.get()), 0);
}

TEST_F(TlsContextTest, SessionsSurviveANewContextWithTheSameKeys) {
  // A reload builds new contexts on the same ring: clients keep resuming.
  auto client_ctx = client_context(TLS1_3_VERSION, TLS1_3_VERSION);
  bool completed = false;
  auto first = handshake(make(pair())->native(), client_ctx.get(), completed);
  ASSERT_TRUE(completed);
  std::unique_ptr<SSL_SESSION, decltype(&SSL_SESSION_free)> ticket(SSL_get1_session(first.get()),
                                                                   &SSL_SESSION_free);
  auto again =
      handshake(make(pair())->native(), client_ctx.get(), completed, nullptr, ticket.get());
  ASSERT_TRUE(completed);
  EXPECT_EQ(SSL_session_reused(again.get()), 1);
}

TEST_F(TlsContextTest, DescribesSubjectAndExpiry) {
  auto server = make(pair());
  const auto& info = server->certificates()[0];
  EXPECT_EQ(info.subject, "CN=app.quikapp.test");
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_GT(info.not_after, now + 3500);  // written valid for 3600 s
  EXPECT_LT(info.not_after, now + 3700);
}

TEST_F(TlsContextTest, ConnectionKeepsItsContextAfterTheServerContextIsDropped) {
  auto server = make(pair());
  ssl_ptr held(SSL_new(server->native()));
  server.reset();  // a reload replaced it; the connection's SSL still holds its contexts
  ssl_ptr client(SSL_new(client_context(TLS1_2_VERSION, TLS1_3_VERSION).get()));
  BIO* server_side = nullptr;
  BIO* client_side = nullptr;
  BIO_new_bio_pair(&server_side, 0, &client_side, 0);
  SSL_set_bio(held.get(), server_side, server_side);
  SSL_set_bio(client.get(), client_side, client_side);
  SSL_set_accept_state(held.get());
  SSL_set_connect_state(client.get());
  bool completed = false;
  for (int turn = 0; turn < 20 && !completed; ++turn) {
    completed = (SSL_do_handshake(client.get()) == 1) & (SSL_do_handshake(held.get()) == 1);
  }
  EXPECT_TRUE(completed);
}

}  // namespace
}  // namespace quikedge::tls
