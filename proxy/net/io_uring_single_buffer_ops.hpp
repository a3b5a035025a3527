// Plain recv and send SQEs for one-buffer socket I/O in Boost 1.81's io_uring
// backend, included by pch.hpp ahead of Asio in the io_uring build only: Asio's
// socket operations are templates, prepared in whichever file starts them.
//
// Asio prepares every socket read as IORING_OP_RECVMSG and every write as
// IORING_OP_SENDMSG, even for a single buffer. For each of those the kernel copies
// the msghdr in from user memory and imports its iovec array (io_msg_copy_hdr,
// ____sys_recvmsg), work that IORING_OP_RECV and IORING_OP_SEND, which take the
// buffer itself, do not do. In a profile of the WebSocket relay at 64-byte
// messages that copying was about 3.9% of the proxy's CPU, and a relay or an HTTP
// exchange reads and writes one buffer nearly every time (a gathered head and body
// keep sendmsg).
//
// Only messages that recv/send can express are turned: one iovec, no address
// (a UDP sendto/recvfrom keeps its msghdr) and no control data. What Asio reads
// back is the CQE's result, the byte count, the same for both. The one thing recv
// does not fill in is msghdr.msg_flags, which only Asio's receive-with-out-flags
// (seq_packet sockets, not used here) reports.
#pragma once

#include <sys/socket.h>

#include <liburing.h>

namespace quikedge::net::uring {

/// True when `message` is one buffer and nothing else.
inline bool single_buffer(const msghdr* message) {
  return message->msg_iovlen == 1 && message->msg_name == nullptr &&
         message->msg_control == nullptr;
}

inline void prep_recv_or_recvmsg(io_uring_sqe* sqe, int fd, msghdr* message, unsigned flags) {
  if (single_buffer(message)) {
    ::io_uring_prep_recv(sqe, fd, message->msg_iov[0].iov_base, message->msg_iov[0].iov_len,
                         static_cast<int>(flags));
  } else {
    ::io_uring_prep_recvmsg(sqe, fd, message, flags);
  }
}

inline void prep_send_or_sendmsg(io_uring_sqe* sqe, int fd, const msghdr* message, unsigned flags) {
  if (single_buffer(message)) {
    ::io_uring_prep_send(sqe, fd, message->msg_iov[0].iov_base, message->msg_iov[0].iov_len,
                         static_cast<int>(flags));
  } else {
    ::io_uring_prep_sendmsg(sqe, fd, message, flags);
  }
}

}  // namespace quikedge::net::uring

// Asio calls them as ::io_uring_prep_recvmsg(sqe, fd, &msghdr_, flags) and
// ::io_uring_prep_sendmsg(...).
#define io_uring_prep_recvmsg quikedge::net::uring::prep_recv_or_recvmsg
#define io_uring_prep_sendmsg quikedge::net::uring::prep_send_or_sendmsg
