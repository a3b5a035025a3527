// SSL_CTX set-up for TLS listeners: settings, certificates, SNI, ALPN and
// OCSP staples.
#include "tls/tls_context.hpp"

#include <openssl/err.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "tls/server_names.hpp"

namespace quikedge::tls {
namespace {

// Server-side session cache (TLS 1.2 session IDs; TLS 1.3 without tickets).
constexpr long session_cache_size = 20480;
// Tickets are sealed by a key that is rotated hourly and kept for two more
// hours (ticket_keys::kept), so a ticket can always be opened for 2 h.
constexpr long session_lifetime_seconds = 2 * 3600;

/// What an SSL_CTX's callbacks need, owned by the SSL_CTX itself (ex_data),
/// so it lives exactly as long as the last connection using that context.
struct context_extras {
  std::shared_ptr<ticket_keys> keys;  ///< null: tickets off
  std::string alpn;                   ///< wire format: length-prefixed protocols
  std::string ocsp;                   ///< DER OCSP response to staple; empty: none
  // Default context only: SNI name → certificate index, and the contexts of
  // certificates 1..n (one reference each; index 0 is the default itself).
  server_names names;
  std::vector<SSL_CTX*> others;

  ~context_extras() {
    for (SSL_CTX* ctx : others) {
      SSL_CTX_free(ctx);
    }
  }
};

void free_extras(void*, void* data, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<context_extras*>(data);
}

int extras_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_extras);
  return index;
}

context_extras* extras_of(SSL_CTX* ctx) {
  return static_cast<context_extras*>(SSL_CTX_get_ex_data(ctx, extras_index()));
}

std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown error";
}

int no_passphrase(char*, int, int, void*) {
  return 0;
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void* arg) {
  const auto* extras = static_cast<const context_extras*>(arg);
  unsigned char* selected = nullptr;
  const auto* ours = reinterpret_cast<const unsigned char*>(extras->alpn.data());
  if (SSL_select_next_proto(&selected, out_len, ours, static_cast<unsigned>(extras->alpn.size()),
                            in, in_len) == OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  // No common protocol: go on without ALPN (RFC 7301 allows a fatal alert;
  // HTTP/1.1 clients that offer something odd are better served than refused).
  return SSL_TLSEXT_ERR_NOACK;
}

int select_certificate(SSL* ssl, int*, void* arg) {
  const auto* extras = static_cast<const context_extras*>(arg);
  const char* host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (host == nullptr) {
    return SSL_TLSEXT_ERR_OK;  // no SNI: the default certificate
  }
  if (auto index = extras->names.find(host); index && *index > 0) {
    SSL_set_SSL_CTX(ssl, extras->others[*index - 1]);
  }
  return SSL_TLSEXT_ERR_OK;  // unknown names get the default, as nginx does
}

int staple_ocsp(SSL* ssl, void* arg) {
  const auto* extras = static_cast<const context_extras*>(arg);
  // Called only when the client asked for a status. OpenSSL frees the copy
  // with the connection's handshake state.
  auto* copy =
      static_cast<unsigned char*>(OPENSSL_memdup(extras->ocsp.data(), extras->ocsp.size()));
  if (copy == nullptr ||
      SSL_set_tlsext_status_ocsp_resp(ssl, copy, static_cast<long>(extras->ocsp.size())) != 1) {
    OPENSSL_free(copy);
    return SSL_TLSEXT_ERR_NOACK;  // no staple rather than no handshake
  }
  return SSL_TLSEXT_ERR_OK;
}

std::string read_staple(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    throw std::runtime_error("cannot read OCSP staple " + path);
  }
  if (bytes.empty()) {
    throw std::runtime_error("cannot read OCSP staple " + path + ": empty or missing");
  }
  return bytes;
}

int seal_ticket(SSL* ssl, unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher,
                EVP_MAC_CTX* mac, int encrypt) {
  const context_extras* extras = extras_of(SSL_get_SSL_CTX(ssl));
  if (extras == nullptr || !extras->keys) {
    return encrypt != 0 ? -1 : 0;
  }
  return extras->keys->crypt(name, iv, cipher, mac, encrypt);
}

std::string alpn_wire(const std::vector<std::string>& protocols, bool http2) {
  std::string wire;
  for (const auto& protocol : protocols) {
    if (protocol == "h2" && !http2) {
      continue;  // only a listener with `http2: true` serves HTTP/2 (SPEC 14)
    }
    wire.push_back(static_cast<char>(protocol.size()));
    wire += protocol;
  }
  return wire;
}

/// One certificate's context with the listener's settings. Throws.
SSL_CTX* make_context(const tls_config& settings, const tls_certificate_config& pair,
                      const std::shared_ptr<ticket_keys>& keys, certificate_info& info) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    throw std::runtime_error("cannot create a TLS context: " + openssl_reason());
  }
  auto* extras = new context_extras{
      settings.session_tickets ? keys : nullptr, alpn_wire(settings.alpn, settings.http2), {}, {}};
  SSL_CTX_set_ex_data(ctx, extras_index(), extras);  // freed with ctx from here on
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> guard(ctx, &SSL_CTX_free);
  SSL_CTX_set_min_proto_version(
      ctx, settings.min_version == tls_version::v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
  // No compression (CRIME), no renegotiation (a client-driven CPU sink).
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               (settings.session_tickets ? 0 : SSL_OP_NO_TICKET));
  SSL_CTX_set_cipher_list(ctx, tls12_ciphers);
  SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384");
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx, pair.certificate.c_str()) != 1) {
    throw std::runtime_error("cannot load TLS certificate " + pair.certificate + ": " +
                             openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, pair.private_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    throw std::runtime_error("cannot load TLS private key " + pair.private_key + ": " +
                             openssl_reason());
  }
  info = describe_certificate(SSL_CTX_get0_certificate(ctx));
  static const unsigned char session_context[] = "quikedge";
  SSL_CTX_set_session_id_context(ctx, session_context, sizeof session_context - 1);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ctx, session_cache_size);
  SSL_CTX_set_timeout(ctx, session_lifetime_seconds);
  if (extras->keys) {
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, seal_ticket);
  }
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, extras);
  if (!pair.ocsp_staple.empty()) {
    extras->ocsp = read_staple(pair.ocsp_staple);
    SSL_CTX_set_tlsext_status_cb(ctx, staple_ocsp);
    SSL_CTX_set_tlsext_status_arg(ctx, extras);
  }
  return guard.release();
}

}  // namespace

server_context::server_context(const tls_config& settings, std::shared_ptr<ticket_keys> keys) {
  if (settings.certificates.empty()) {
    throw std::runtime_error("a TLS listener needs a certificate");
  }
  served_.resize(settings.certificates.size());
  default_ = make_context(settings, settings.certificates[0], keys, served_[0]);
  context_extras* extras = extras_of(default_);
  try {
    for (std::size_t i = 1; i < settings.certificates.size(); ++i) {
      extras->others.push_back(make_context(settings, settings.certificates[i], keys, served_[i]));
    }
  } catch (...) {
    SSL_CTX_free(default_);
    throw;
  }
  for (std::size_t i = 0; i < settings.certificates.size(); ++i) {
    const auto& configured = settings.certificates[i].server_names;
    for (const auto& name : configured.empty() ? served_[i].dns_names : configured) {
      extras->names.add(name, i);
    }
  }
  SSL_CTX_set_tlsext_servername_callback(default_, select_certificate);
  SSL_CTX_set_tlsext_servername_arg(default_, extras);
}

server_context::~server_context() {
  SSL_CTX_free(default_);
}

std::vector<server_context_ptr> make_listener_contexts(const config& settings,
                                                       const std::shared_ptr<ticket_keys>& keys) {
  std::vector<server_context_ptr> contexts(settings.listeners.size());
  for (std::size_t i = 0; i < settings.listeners.size(); ++i) {
    const auto& listener = settings.listeners[i];
    if (!listener.tls) {
      continue;
    }
    try {
      contexts[i] = std::make_shared<const server_context>(*listener.tls, keys);
    } catch (const std::exception& e) {
      throw std::runtime_error("listener " + listener.name + ": " + e.what());
    }
  }
  return contexts;
}

}  // namespace quikedge::tls
