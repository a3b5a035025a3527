// Ring set-up flags for Boost 1.81's io_uring backend, included by boost_impl.cpp
// (the one translation unit that compiles Asio) in the io_uring build only.
//
// Asio creates its ring with no flags. Then every completion that arrives while
// the worker runs user code (a peer's data landing on a socket a recv waits on)
// interrupts the thread to run the io_uring task work at once: an IPI and a
// kernel entry and exit per completion, under load on every other request.
// IORING_SETUP_COOP_TASKRUN lets that work wait until the worker next enters the
// kernel, which it does once per loop turn anyway (io_uring_enter to submit and
// wait); IORING_SETUP_TASKRUN_FLAG raises IORING_SQ_TASKRUN meanwhile, so that
// liburing's peek, seeing no completion, enters the kernel to run it rather
// than miss it. Both are safe with submissions from several threads (Asio's
// interrupt from a thread that posts to the worker), unlike SINGLE_ISSUER and
// DEFER_TASKRUN. Kernels before 5.19 refuse the flags: the ring is then made as
// Asio makes it.
//
// Asio asks for 16384 SQEs (and so 32768 CQEs): 1.6 MiB of ring per io_context,
// resident once the SQ has wrapped, 3.2 MiB of the proxy's RSS with two rings.
// A loop turn queues one or two SQEs per ready connection, a submit enters the
// kernel once a quarter of the SQ is waiting (net/io_uring_submit_and_wait.hpp),
// and a full SQ is submitted and reused on the spot (Asio's get_sqe), so 1024
// entries (100 KiB a ring) are plenty: at 256 busy connections a turn queues
// about 100. The kernel keeps completions beyond the CQ's 2048 on its overflow
// list rather than drop them (IORING_FEAT_NODROP). 4096 entries cost 300 KiB
// more per ring for no measured gain.
#pragma once

#include <liburing.h>

namespace quikedge::net::uring {

constexpr unsigned max_ring_entries = 1024;

inline int queue_init_cooperative(unsigned entries, io_uring* ring, unsigned flags) {
  entries = entries < max_ring_entries ? entries : max_ring_entries;
  const int result = ::io_uring_queue_init(
      entries, ring, flags | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG);
  return result == -EINVAL ? ::io_uring_queue_init(entries, ring, flags) : result;
}

}  // namespace quikedge::net::uring

// Asio calls it as ::io_uring_queue_init(ring_size, &ring_, 0).
#define io_uring_queue_init quikedge::net::uring::queue_init_cooperative
