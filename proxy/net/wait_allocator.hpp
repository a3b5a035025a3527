// Handler memory for readiness waits that may stay pending for a long time: a
// pooled upstream connection's idle poll, a quiet WebSocket direction. Any thread.
//
// Why: Asio hands an operation the block its thread's last completed handler
// freed whenever that block is large enough, whatever its size. A wait started
// from a read's completion (a response relayed, then the connection given back
// to the pool) so got the read's 1.6 KB block and held it for as long as it
// waited: measured at 256 connections on io_uring, 296 idle polls held 483 KB
// where their operations need under 200 bytes each. Waits bound to this
// allocator take blocks sized for a wait from a small per-thread free list, so
// steady traffic costs no malloc and an idle connection costs only its wait.
#pragma once

#include <boost/asio/bind_allocator.hpp>

#include <cstddef>
#include <utility>

namespace quikedge::net {

namespace wait_allocator_detail {
/// A block of at least `bytes` (aligned as operator new aligns).
void* take_block(std::size_t bytes);
/// Returns a block take_block(bytes) gave, from any thread.
void give_back_block(void* block, std::size_t bytes) noexcept;
}  // namespace wait_allocator_detail

template <class T>
class wait_allocator {
 public:
  using value_type = T;

  wait_allocator() noexcept = default;
  /// Rebinding to another type, as Asio does for its operation: implicit.
  template <class U>
  // NOLINTNEXTLINE(google-explicit-constructor)
  wait_allocator(const wait_allocator<U>& /*other*/) noexcept {}

  T* allocate(std::size_t count) {
    return static_cast<T*>(wait_allocator_detail::take_block(count * sizeof(T)));
  }
  void deallocate(T* block, std::size_t count) noexcept {
    wait_allocator_detail::give_back_block(block, count * sizeof(T));
  }

  friend bool operator==(const wait_allocator& /*a*/, const wait_allocator& /*b*/) noexcept {
    return true;
  }
};

/// `handler` with its operation's memory from wait_allocator.
template <class Handler>
auto with_wait_memory(Handler&& handler) {
  return boost::asio::bind_allocator(wait_allocator<void>(), std::forward<Handler>(handler));
}

}  // namespace quikedge::net
