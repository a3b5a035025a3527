// A TLS listener's server contexts: one SSL_CTX per configured certificate,
// chosen by SNI, with the listener's versions, ciphers, ALPN and session
// resumption. Built on the control thread at start and on every reload;
// immutable afterwards, so workers use it without locks.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <vector>

#include "quikedge/config.hpp"
#include "tls/certificate_info.hpp"
#include "tls/ticket_keys.hpp"

namespace quikedge::tls {

class server_context {
 public:
  /// Loads every certificate chain and key of `settings`. `keys` seals
  /// session tickets (shared by all listeners and kept across reloads, so
  /// tickets survive a certificate rotation). Throws std::runtime_error
  /// naming the file and OpenSSL's reason when a pair does not load.
  server_context(const tls_config& settings, std::shared_ptr<ticket_keys> keys);
  ~server_context();
  server_context(const server_context&) = delete;
  server_context& operator=(const server_context&) = delete;

  /// The first certificate's context. A connection starts its handshake on
  /// it (SSL_new); the SNI callback moves it to another certificate's. Each
  /// SSL holds a reference on its contexts (and they on their SNI table and
  /// ticket keys), so a connection outlives a reload that drops this object.
  [[nodiscard]] SSL_CTX* native() const { return default_; }

  /// The certificates in config order (the first is the default).
  [[nodiscard]] const std::vector<certificate_info>& certificates() const { return served_; }

 private:
  SSL_CTX* default_ = nullptr;
  std::vector<certificate_info> served_;
};

using server_context_ptr = std::shared_ptr<const server_context>;

/// The contexts of every listener of `settings`, by config index (null for
/// plain listeners). Throws like server_context's constructor, naming the
/// listener. Control thread.
std::vector<server_context_ptr> make_listener_contexts(const config& settings,
                                                       const std::shared_ptr<ticket_keys>& keys);

/// The modern TLS 1.2 cipher list: ECDHE with AEAD only (TLS 1.3 suites are
/// OpenSSL's defaults, all AEAD).
inline constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace quikedge::tls
