// Submit and wait in one io_uring_enter for Boost 1.81's io_uring backend,
// included by boost_impl.cpp (the one translation unit that compiles Asio) in the
// io_uring build only.
//
// Asio submits a loop turn's SQEs with io_uring_submit (a posted handler runs it
// before the reactor's turn) and then blocks in io_uring_wait_cqe: two
// io_uring_enter calls per turn where one does both. At one connection that is
// about two extra syscalls per request (4.6 per request measured, the kernel's
// minimum being two turns).
//
// The wrappers below make a submit on the thread that runs the ring (the thread
// that waits on it) publish its SQEs to the kernel's SQ tail without entering
// the kernel; the next wait enters once, with to_submit covering them and
// GETEVENTS. Nothing can be lost or delayed past that wait:
//  - Published SQEs are complete: Asio prepares each SQE before it submits, under
//    its mutex, and publishing is what the submit does under that same mutex.
//  - The wait wrapper touches no user-side SQ field (only reads the shared
//    tail/head): a to_submit above what is published is harmless, the kernel
//    takes min(to_submit, published).
//  - A submit from another thread (Asio's interrupt, a post that wakes the
//    waiting thread) enters the kernel at once, as before, which also takes any
//    SQEs the owner published.
//  - A poll (peek) that finds no completion enters the kernel with whatever is
//    published, as Asio's own submit would have.
//  - Asio subtracts a submit's return value from its count of prepared, not yet
//    submitted SQEs, so every wrapper returns the number it published now, never
//    the kernel's count (which would include SQEs another call had published).
#pragma once

#include <liburing.h>

namespace quikedge::net::uring {

/// The ring this thread waits on (Asio runs each io_context on one thread).
inline thread_local io_uring* waiting_ring = nullptr;

/// SQEs published but not yet taken by the kernel.
inline unsigned unconsumed(io_uring* ring) {
  return io_uring_smp_load_acquire(ring->sq.ktail) - io_uring_smp_load_acquire(ring->sq.khead);
}

/// Makes the prepared SQEs visible to the kernel (what io_uring_submit does before
/// it enters); returns how many it published.
inline int publish(io_uring* ring) {
  io_uring_sq& sq = ring->sq;
  const unsigned tail = sq.sqe_tail;
  const unsigned fresh = tail - sq.sqe_head;
  if (fresh != 0) {
    sq.sqe_head = tail;
    io_uring_smp_store_release(sq.ktail, tail);
  }
  return static_cast<int>(fresh);
}

/// Asio's io_uring_submit. Defers the enter on the owning thread while the
/// published backlog is small (a full SQ would make Asio's get_sqe fail).
inline int submit(io_uring* ring) {
  // Prepared (published or not) and not yet taken by the kernel: Asio's get_sqe
  // submits when the SQ is full and expects room afterwards.
  const unsigned backlog = ring->sq.sqe_tail - io_uring_smp_load_acquire(ring->sq.khead);
  if (ring == waiting_ring && backlog < ring->sq.ring_entries / 4) {
    return publish(ring);
  }
  const int fresh = static_cast<int>(ring->sq.sqe_tail - ring->sq.sqe_head);
  const int result = ::io_uring_submit(ring);
  return result < 0 ? result : fresh;
}

/// Asio's blocking io_uring_wait_cqe: one enter that submits and waits.
inline int wait_cqe(io_uring* ring, io_uring_cqe** cqe) {
  waiting_ring = ring;
  if (::io_uring_peek_cqe(ring, cqe) == 0) {
    return 0;
  }
  if (const unsigned backlog = unconsumed(ring); backlog != 0) {
    const int entered = ::io_uring_enter(static_cast<unsigned>(ring->ring_fd), backlog, 1,
                                         IORING_ENTER_GETEVENTS, nullptr);
    if (entered < 0 && entered != -EBUSY && entered != -EAGAIN) {
      return entered;  // -EINTR: Asio's run() returns and is called again
    }
    if (::io_uring_peek_cqe(ring, cqe) == 0) {
      return 0;
    }
  }
  return ::io_uring_wait_cqe(ring, cqe);
}

/// Asio's non-blocking io_uring_peek_cqe: when nothing has completed, hands the
/// kernel what is published, as Asio's own submit would have, and looks again.
inline int peek_cqe(io_uring* ring, io_uring_cqe** cqe) {
  waiting_ring = ring;
  if (::io_uring_peek_cqe(ring, cqe) == 0) {
    return 0;
  }
  if (const unsigned backlog = unconsumed(ring); backlog != 0) {
    ::io_uring_enter(static_cast<unsigned>(ring->ring_fd), backlog, 0, 0, nullptr);
    return ::io_uring_peek_cqe(ring, cqe);
  }
  return -EAGAIN;
}

}  // namespace quikedge::net::uring

// Asio calls these as ::io_uring_submit(&ring_), ::io_uring_wait_cqe(&ring_, &cqe)
// and ::io_uring_peek_cqe(&ring_, &cqe).
#define io_uring_submit quikedge::net::uring::submit
#define io_uring_wait_cqe quikedge::net::uring::wait_cqe
#define io_uring_peek_cqe quikedge::net::uring::peek_cqe
