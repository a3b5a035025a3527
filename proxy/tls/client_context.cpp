// Client SSL_CTX for TLS to upstreams: peer verification against the stack's
// CA (or the system store), TLS 1.2+, ALPN http/1.1, client-side session
// caching through a callback (the sessions live in each worker's cache).
#include "tls/client_context.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <stdexcept>

#include "tls/openssl_reason.hpp"
#include "upstream/tls_session_cache.hpp"
#include "upstream/upstream_stream.hpp"

namespace quikedge::tls {
namespace {

/// A new session (TLS 1.3: a ticket after the handshake; 1.2: at its end):
/// kept by the worker that owns the connection, for its next connection to the
/// same endpoint. Runs on that worker, inside its SSL_read or handshake.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* stream = static_cast<upstream::upstream_stream*>(SSL_get_ex_data(ssl, stream_ex_index()));
  if (stream == nullptr) {
    return 0;
  }
  return stream->keep_session(session) ? 1 : 0;
}

const unsigned char alpn_http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

}  // namespace

int stream_ex_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

client_context::client_context(const std::string& stack, const upstream_tls_config& settings)
    : verify_(settings.verify), server_name_(settings.sni) {
  static std::atomic<std::uint64_t> next_serial{1};
  serial_ = next_serial.fetch_add(1, std::memory_order_relaxed);
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) {
    throw std::runtime_error("stack " + stack +
                             ": cannot create a TLS context: " + openssl_reason());
  }
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);  // idle pooled connections keep no buffers
  SSL_CTX_set_alpn_protos(ctx_, alpn_http11, sizeof alpn_http11);
  if (verify_) {
    const int loaded = settings.ca.empty()
                           ? SSL_CTX_set_default_verify_paths(ctx_)
                           : SSL_CTX_load_verify_locations(ctx_, settings.ca.c_str(), nullptr);
    if (loaded != 1) {
      std::string why = openssl_reason();
      SSL_CTX_free(ctx_);
      throw std::runtime_error(
          "stack " + stack + ": cannot load the CA " +
          (settings.ca.empty() ? std::string("system store") : "\"" + settings.ca + "\"") + ": " +
          why);
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  }
  // Sessions are not kept in the context (that cache is shared and locked):
  // the callback hands them to the connection's worker.
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx_, on_new_session);
}

client_context::~client_context() {
  SSL_CTX_free(ctx_);
}

std::vector<client_context_ptr> make_upstream_contexts(const config& settings) {
  std::vector<client_context_ptr> contexts;
  contexts.reserve(settings.stacks.size());
  for (const auto& stack : settings.stacks) {
    contexts.push_back(stack.tls ? std::make_shared<const client_context>(stack.name, *stack.tls)
                                 : nullptr);
  }
  return contexts;
}

std::string peer_name(const std::string& sni, const std::string& host) {
  if (!sni.empty()) {
    return sni;
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return ec ? host : std::string();
}

bool set_peer_name(SSL* ssl, const std::string& name, const std::string& ip, bool verify) {
  if (!name.empty() && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    return false;
  }
  if (!verify) {
    return true;
  }
  if (name.empty()) {
    // An endpoint written as an address, without sni: the certificate must
    // carry that address (an IP subjectAltName).
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip.c_str()) == 1;
  }
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, name.c_str()) == 1;
}

}  // namespace quikedge::tls
