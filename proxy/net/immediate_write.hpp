// Writes gathered buffers to a plain TCP socket at once, finishing asynchronously
// only what the kernel did not take. Worker only.
//
// Why: on Asio's epoll reactor, async_write writes speculatively and then *posts*
// its completion. With a completion queued, the scheduler polls epoll once more
// with a zero timeout before running it: one `epoll_wait` per write that finds
// nothing. A response or request that fits in the socket buffer (nearly all of
// them) is therefore written here with one `sendmsg` and its handler runs inline,
// before this call returns. Callers must treat the call as their last action
// (the handler may already have run, and may have ended the exchange).
//
// On the io_uring build every operation is an SQE batched into the loop's one
// `io_uring_enter`, so a direct `sendmsg` would add a syscall: there the write
// stays asynchronous.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <cstddef>
#include <utility>
#include <vector>

namespace quikedge::net {

namespace immediate_write_detail {

/// The buffers past the first `skip` bytes: what a partial sendmsg left.
template <class Buffers>
std::vector<boost::asio::const_buffer> remaining(const Buffers& buffers, std::size_t skip) {
  std::vector<boost::asio::const_buffer> rest;
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers); ++it) {
    boost::asio::const_buffer piece(*it);
    if (skip >= piece.size()) {
      skip -= piece.size();
      continue;
    }
    rest.push_back(piece + skip);
    skip = 0;
  }
  return rest;
}

}  // namespace immediate_write_detail

/// Calls `handler(error_code, bytes_written)` once every byte is written or the
/// write failed; inline when the kernel took everything in one `sendmsg`.
template <class Buffers, class Handler>
void write_immediately(boost::asio::ip::tcp::socket& socket, const Buffers& buffers,
                       Handler&& handler) {
#ifdef QUIKEDGE_IO_URING_BUILD
  boost::asio::async_write(socket, buffers, std::forward<Handler>(handler));
#else
  constexpr std::size_t max_pieces = 16;
  std::array<iovec, max_pieces> pieces{};
  std::size_t count = 0;
  std::size_t total = 0;
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers); ++it) {
    boost::asio::const_buffer piece(*it);
    if (piece.size() == 0) {
      continue;
    }
    if (count == max_pieces) {
      boost::asio::async_write(socket, buffers, std::forward<Handler>(handler));
      return;
    }
    pieces[count++] = iovec{const_cast<void*>(piece.data()), piece.size()};
    total += piece.size();
  }
  msghdr message{};
  message.msg_iov = pieces.data();
  message.msg_iovlen = count;
  ssize_t sent =
      total == 0 ? 0 : ::sendmsg(socket.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (sent >= 0 && static_cast<std::size_t>(sent) == total) {
    std::forward<Handler>(handler)(boost::system::error_code{}, total);
    return;
  }
  if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    std::forward<Handler>(handler)(
        boost::system::error_code(errno, boost::asio::error::get_system_category()), 0);
    return;
  }
  const std::size_t done = sent > 0 ? static_cast<std::size_t>(sent) : 0;
  boost::asio::async_write(socket, immediate_write_detail::remaining(buffers, done),
                           [done, handler = std::forward<Handler>(handler)](
                               const boost::system::error_code& ec, std::size_t more) mutable {
                             handler(ec, done + more);
                           });
#endif
}

}  // namespace quikedge::net
