// make_server_context: a certificate made here (OpenSSL API, no files from the
// repo), handshakes driven in memory through BIO pairs (no sockets): TLS 1.3 and
// ALPN http/1.1 chosen, TLS 1.1 refused, and the load errors name the file.
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <unistd.h>

#include <cstdio>
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

/// A self-signed certificate for `name` with `key`, written as PEM.
void write_certificate(const fs::path& path, EVP_PKEY* key, const char* name) {
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

  tls_config pair() const { return {(dir_ / "cert.pem").string(), (dir_ / "key.pem").string()}; }

  /// Runs a client handshake against `server_ctx` through memory BIOs; returns
  /// the client after both sides stop making progress.
  static ssl_ptr handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx, bool& completed) {
    ssl_ptr server(SSL_new(server_ctx));
    ssl_ptr client(SSL_new(client_ctx));
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
    ERR_clear_error();
    return client;
  }

  fs::path dir_;
  pkey_ptr key_;
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
  auto server = make_server_context(pair());
  auto client_ctx = client_context(TLS1_2_VERSION, TLS1_3_VERSION);
  bool completed = false;
  auto client = handshake(server->native_handle(), client_ctx.get(), completed);
  ASSERT_TRUE(completed);
  EXPECT_EQ(SSL_version(client.get()), TLS1_3_VERSION);
  const unsigned char* chosen = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(client.get(), &chosen, &length);
  // h2 is offered first; the proxy speaks HTTP/1.1 only downstream.
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(chosen), length), "http/1.1");
}

TEST_F(TlsContextTest, AcceptsTls12) {
  auto server = make_server_context(pair());
  auto client_ctx = client_context(TLS1_2_VERSION, TLS1_2_VERSION);
  bool completed = false;
  auto client = handshake(server->native_handle(), client_ctx.get(), completed);
  ASSERT_TRUE(completed);
  EXPECT_EQ(SSL_version(client.get()), TLS1_2_VERSION);
}

TEST_F(TlsContextTest, RefusesTls11AndTls10) {
  auto server = make_server_context(pair());
  // Refused by the context itself, not only by the system's security level.
  EXPECT_NE(SSL_CTX_get_options(server->native_handle()) & SSL_OP_NO_TLSv1_1, 0u);
  EXPECT_NE(SSL_CTX_get_options(server->native_handle()) & SSL_OP_NO_TLSv1, 0u);
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    auto client_ctx = client_context(version, version);
    bool completed = true;
    handshake(server->native_handle(), client_ctx.get(), completed);
    EXPECT_FALSE(completed) << "version " << std::hex << version;
  }
}

/// make_server_context(settings) throws a std::runtime_error whose message holds `part`.
testing::AssertionResult refused_naming(const tls_config& settings, const std::string& part) {
  try {
    make_server_context(settings);
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
  settings.certificate = (dir_ / "absent.pem").string();
  EXPECT_TRUE(refused_naming(settings, "certificate " + settings.certificate));
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  auto other = make_key();
  write_key(dir_ / "other-key.pem", other.get());
  auto settings = pair();
  settings.private_key = (dir_ / "other-key.pem").string();
  EXPECT_TRUE(refused_naming(settings, "private key " + settings.private_key));
}

TEST_F(TlsContextTest, GarbageKeyFileIsRefused) {
  {
    FILE* f = std::fopen((dir_ / "garbage.pem").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n", f);
    std::fclose(f);
  }
  auto settings = pair();
  settings.private_key = (dir_ / "garbage.pem").string();
  EXPECT_THROW(make_server_context(settings), std::runtime_error);
}

}  // namespace
}  // namespace quikedge::tls
