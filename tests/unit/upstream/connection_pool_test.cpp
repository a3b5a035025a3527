// The epoll pool's liveness check on reuse: a connection the upstream closed
// while idle is dropped, unless it went idle less than the unchecked-reuse
// window ago (then no MSG_PEEK is spent on it). Real loopback sockets.
#include <gtest/gtest.h>
#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>

#include "upstream/connection_pool.hpp"

namespace quikedge::upstream {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;

class ConnectionPoolTest : public ::testing::Test {
 protected:
  /// A pooled-to-be connection to endpoint 0, connected to `peer_`.
  upstream_connection_ptr connected(connection_pool& pool) {
    auto connection = pool.make(0);
    connection->socket.connect(acceptor_.local_endpoint());
    acceptor_.accept(peer_);
    return connection;
  }

  /// Closes the upstream's end and waits until its FIN has reached `fd`.
  void upstream_closes(int fd) {
    peer_.close();
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1) << "the FIN never arrived";
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_{io_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  tcp::socket peer_{io_};
};

#ifndef QUIKEDGE_IO_URING_BUILD
TEST_F(ConnectionPoolTest, AnOpenIdleConnectionIsReusedAfterTheCheck) {
  connection_pool pool(io_, 0us);  // every reuse checked
  pool.give_back(connected(pool));
  auto again = pool.take(0);
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->socket.is_open());
}

TEST_F(ConnectionPoolTest, AConnectionTheUpstreamClosedIsDroppedWhenChecked) {
  connection_pool pool(io_, 0us);
  auto connection = connected(pool);
  const int fd = connection->socket.native_handle();
  pool.give_back(std::move(connection));
  upstream_closes(fd);
  EXPECT_EQ(pool.take(0), nullptr) << "a closed connection was handed out";
  EXPECT_EQ(pool.take(0), nullptr) << "and it stayed in the pool";
}

TEST_F(ConnectionPoolTest, AConnectionIdleLessThanTheWindowIsReusedWithoutTheCheck) {
  // The upstream's close has arrived, yet the connection is handed out: proof
  // that no MSG_PEEK was made for it (it would have seen the FIN).
  connection_pool pool(io_, std::chrono::hours(1));
  auto connection = connected(pool);
  const int fd = connection->socket.native_handle();
  pool.give_back(std::move(connection));
  upstream_closes(fd);
  auto again = pool.take(0);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->socket.native_handle(), fd);
}
#endif

}  // namespace
}  // namespace quikedge::upstream
