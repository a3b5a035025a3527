// One element of a worker's tunnel list: an established WebSocket tunnel.
// Worker only.
#pragma once

#include "http/session_clock.hpp"
#include "routing/routing_table.hpp"

namespace quikedge::http {

/// An established WebSocket tunnel, as the worker sees it: which stack it is
/// pinned to and when the drain of that stack will close it.
class tunnel_entry {
 public:
  tunnel_entry() = default;
  tunnel_entry(const tunnel_entry&) = delete;
  tunnel_entry& operator=(const tunnel_entry&) = delete;
  virtual ~tunnel_entry() = default;

  /// Starts a polite close: a 1001 close frame to both sides at frame boundaries.
  virtual void begin_close() = 0;

  /// Called every sweep: a tunnel that keeps a read posted with a buffer while
  /// bytes flow gives the buffer back once a sweep period passed without any.
  virtual void release_idle_buffers() {}

  routing::stack_id stack = 0;
  clock::time_point close_at = clock::time_point::max();
  clock::time_point idle_until = clock::time_point::max();
  bool closing = false;
  tunnel_entry* prev = nullptr;
  tunnel_entry* next = nullptr;
};

}  // namespace quikedge::http
