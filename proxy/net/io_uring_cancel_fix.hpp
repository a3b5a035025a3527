// A fix for Boost 1.81's io_uring backend, included by boost_impl.cpp (the one
// translation unit that compiles Asio) in the io_uring build only.
//
// Asio prepares its ASYNC_CANCEL and TIMEOUT_REMOVE SQEs without setting their
// user_data, and liburing's io_uring_prep_* leave that field alone. Such an SQE
// therefore carries the user_data of the last SQE that used its ring slot, and its
// completion (-ENOENT when the target was already gone, 0 when it was cancelled)
// is delivered to that earlier operation's queue: a read pending on some other
// socket "completes" with ENOENT or a 0-byte EOF. Every socket close with an
// operation pending submits such a cancel, so under load an unrelated connection
// was cut now and then (seen as a lost request in a drain). Asio ignores CQEs
// whose user_data is null, which is what these wrappers set before Asio sets its
// own (update_timeout sets one after the call, and keeps it).
#pragma once

#include <liburing.h>

inline void quikedge_prep_cancel_cleared(io_uring_sqe* sqe, void* user_data, int flags) {
  ::io_uring_prep_cancel(sqe, user_data, flags);
  ::io_uring_sqe_set_data(sqe, nullptr);
}

inline void quikedge_prep_timeout_remove_cleared(io_uring_sqe* sqe, __u64 user_data,
                                                 unsigned flags) {
  ::io_uring_prep_timeout_remove(sqe, user_data, flags);
  ::io_uring_sqe_set_data(sqe, nullptr);
}

// Asio calls them as ::io_uring_prep_cancel(...) and ::io_uring_prep_timeout_remove(...).
#define io_uring_prep_cancel quikedge_prep_cancel_cleared
#define io_uring_prep_timeout_remove quikedge_prep_timeout_remove_cleared
