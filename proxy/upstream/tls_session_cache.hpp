// One worker's TLS sessions to its upstream endpoints, by endpoint id: the
// next connection to an endpoint resumes the last session instead of a full
// handshake (a fraction of the CPU on both sides). Worker only, no locks.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <vector>

#include "routing/routing_table.hpp"

namespace quikedge::upstream {

class tls_session_cache {
 public:
  tls_session_cache() = default;
  ~tls_session_cache();
  tls_session_cache(const tls_session_cache&) = delete;
  tls_session_cache& operator=(const tls_session_cache&) = delete;

  /// The session kept for `endpoint` under the context with `context_serial`,
  /// or nullptr. Still owned by the cache (SSL_set_session takes its own reference).
  [[nodiscard]] SSL_SESSION* find(routing::endpoint_id endpoint,
                                  std::uint64_t context_serial) const;
  /// Keeps `session` (taking ownership) as the one to resume for `endpoint`.
  void keep(routing::endpoint_id endpoint, std::uint64_t context_serial, SSL_SESSION* session);
  /// Drops the session of `endpoint`, e.g. after a failed handshake.
  void forget(routing::endpoint_id endpoint);

 private:
  struct entry {
    std::uint64_t context_serial = 0;
    SSL_SESSION* session = nullptr;
  };
  std::vector<entry> entries_;  ///< index: endpoint id
};

}  // namespace quikedge::upstream
