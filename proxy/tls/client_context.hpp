// The client side of TLS to a stack's endpoints (`stacks.NAME.tls`): one
// SSL_CTX per TLS stack, built on the control thread at start and on every
// reload, immutable afterwards and shared by every worker's connections. The
// server name (SNI and the name verified) is set per connection.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "quikedge/config.hpp"

namespace quikedge::tls {

class client_context {
 public:
  /// Loads the CA bundle (or the system store). Throws std::runtime_error
  /// naming the stack, the file and OpenSSL's reason.
  client_context(const std::string& stack, const upstream_tls_config& settings);
  ~client_context();
  client_context(const client_context&) = delete;
  client_context& operator=(const client_context&) = delete;

  /// Each SSL made from it holds a reference, so a connection outlives a
  /// reload that drops this object.
  [[nodiscard]] SSL_CTX* native() const { return ctx_; }
  [[nodiscard]] bool verify() const { return verify_; }
  /// The configured `sni`; empty: the endpoint's host name.
  [[nodiscard]] const std::string& server_name() const { return server_name_; }
  /// Unique per context ever built: cached sessions are only resumed under
  /// the context (CA, verify) they were verified with, even across reloads.
  [[nodiscard]] std::uint64_t serial() const { return serial_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  std::uint64_t serial_ = 0;
  bool verify_ = true;
  std::string server_name_;
};

using client_context_ptr = std::shared_ptr<const client_context>;

/// The contexts of `settings.stacks`, by index (null for plain stacks).
/// Throws like client_context's constructor. Control thread.
std::vector<client_context_ptr> make_upstream_contexts(const config& settings);

/// The name a client sends as SNI and verifies: `sni` when configured, else
/// `host` when it is a name; "" for an address (verified as an IP SAN instead).
std::string peer_name(const std::string& sni, const std::string& host);

/// Sets the server name of a new client `ssl`: SNI when `name` is a DNS name,
/// and, when `verify`, the name (or IP address `ip` when there is no name)
/// the certificate must carry. False when OpenSSL refuses them.
bool set_peer_name(SSL* ssl, const std::string& name, const std::string& ip, bool verify);

/// The SSL_get_ex_data index of the upstream_stream that owns an SSL, read by
/// the new-session callback to cache the session for its endpoint.
int stream_ex_index();

}  // namespace quikedge::tls
