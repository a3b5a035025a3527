// Per-worker upstream keep-alive pool.
#include "upstream/connection_pool.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "net/wait_allocator.hpp"

namespace quikedge::upstream {
namespace {

/// True when the peer has not closed the idle connection and sent nothing
/// unexpected: recv would block.
bool nothing_received(boost::asio::ip::tcp::socket& socket) {
  char byte = 0;
  ssize_t got = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/// On io_uring the idle poll has checked the connection up to the last loop
/// turn; on epoll nothing has. See connection_pool::take.
bool still_open(boost::asio::ip::tcp::socket& socket, connection_pool::reuse_check check) {
  if (!socket.is_open()) {
    return false;
  }
#ifdef QUIKEDGE_IO_URING_BUILD
  return check == connection_pool::reuse_check::free_only || nothing_received(socket);
#else
  (void)check;
  return nothing_received(socket);
#endif
}

}  // namespace

upstream_connection_ptr connection_pool::take(routing::endpoint_id endpoint, reuse_check check) {
  if (endpoint >= idle_.size()) {
    return nullptr;
  }
  auto& stack = idle_[endpoint];
  while (!stack.empty()) {
    upstream_connection_ptr connection = std::move(stack.back());
    stack.pop_back();
    if (still_open(connection->socket, check)) {
      return connection;
    }
    boost::system::error_code ignored;
    connection->socket.close(ignored);
  }
  return nullptr;
}

upstream_connection_ptr connection_pool::make(routing::endpoint_id endpoint) {
  return std::make_unique<upstream_connection>(io_, endpoint);
}

void connection_pool::give_back(upstream_connection_ptr connection) {
  const auto endpoint = connection->endpoint;
  if (endpoint >= idle_.size()) {
    idle_.resize(endpoint + 1);
  }
  auto& stack = idle_[endpoint];
  if (stack.size() >= max_idle_per_endpoint) {
    return;  // closes it
  }
  connection->idle_since = std::chrono::steady_clock::now();
  connection->idle_period = ++idle_periods_;
#ifdef QUIKEDGE_IO_URING_BUILD
  watch_while_idle(*connection);
#endif
  stack.push_back(std::move(connection));
}

void connection_pool::watch_while_idle(upstream_connection& connection) {
  // Pending for as long as the connection is idle: its memory is sized for it.
  connection.socket.async_wait(
      boost::asio::socket_base::wait_read,
      net::with_wait_memory([this, endpoint = connection.endpoint, raw = &connection,
                             period = connection.idle_period](const boost::system::error_code& ec) {
        // An error is a close (the pool or the exchange closed it) or shutdown:
        // nothing may be touched then, not even the pool.
        if (!ec) {
          on_idle_readable(endpoint, raw, period);
        }
      }));
}

void connection_pool::on_idle_readable(routing::endpoint_id endpoint,
                                       const upstream_connection* connection,
                                       std::uint64_t period) {
  // Found by address without dereferencing: a connection no longer in the pool was
  // taken (its response made the poll fire) or is gone. The period tells an
  // address reused by a newer connection from the one this poll was armed on.
  auto& stack = idle_[endpoint];
  for (auto it = stack.begin(); it != stack.end(); ++it) {
    if (it->get() == connection && (*it)->idle_period == period) {
      stack.erase(it);  // closed by the upstream, or it sent bytes nobody asked for
      return;
    }
  }
}

void connection_pool::close_idle(std::chrono::steady_clock::time_point now,
                                 std::chrono::milliseconds max_idle) {
  for (auto& stack : idle_) {
    // The stack is LIFO: the oldest connections are at the front.
    std::size_t expired = 0;
    while (expired < stack.size() && now - stack[expired]->idle_since > max_idle) {
      ++expired;
    }
    stack.erase(stack.begin(), stack.begin() + static_cast<std::ptrdiff_t>(expired));
  }
}

}  // namespace quikedge::upstream
