// Per-worker cache of one resumable TLS session per upstream endpoint.
#include "upstream/tls_session_cache.hpp"

namespace quikedge::upstream {

tls_session_cache::~tls_session_cache() {
  for (auto& e : entries_) {
    SSL_SESSION_free(e.session);
  }
}

SSL_SESSION* tls_session_cache::find(routing::endpoint_id endpoint,
                                     std::uint64_t context_serial) const {
  if (endpoint >= entries_.size()) {
    return nullptr;
  }
  const entry& e = entries_[endpoint];
  // A session from another context (a reload changed the CA or verify) was
  // verified under other rules: never resumed.
  return e.context_serial == context_serial ? e.session : nullptr;
}

void tls_session_cache::keep(routing::endpoint_id endpoint, std::uint64_t context_serial,
                             SSL_SESSION* session) {
  if (endpoint >= entries_.size()) {
    entries_.resize(endpoint + 1);
  }
  entry& e = entries_[endpoint];
  SSL_SESSION_free(e.session);
  e = {context_serial, session};
}

void tls_session_cache::forget(routing::endpoint_id endpoint) {
  if (endpoint < entries_.size()) {
    SSL_SESSION_free(entries_[endpoint].session);
    entries_[endpoint] = {};
  }
}

}  // namespace quikedge::upstream
