// The pool's check of an idle connection on reuse, with real loopback sockets:
// a connection the upstream closed, or wrote to while idle, is not handed out.
#include <gtest/gtest.h>
#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <string_view>

#include "http/request_state.hpp"
#include "http/retry_policy.hpp"
#include "upstream/connection_pool.hpp"

namespace quikedge::upstream {
namespace {

using boost::asio::ip::tcp;
using check = connection_pool::reuse_check;

class ConnectionPoolTest : public ::testing::Test {
 protected:
  /// A connection to endpoint 0, connected to `peer_`.
  upstream_connection_ptr connected() {
    auto connection = pool_.make(0);
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
  connection_pool pool_{io_};
  tcp::acceptor acceptor_{io_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  tcp::socket peer_{io_};
};

TEST_F(ConnectionPoolTest, AnOpenIdleConnectionIsReusedEitherWay) {
  pool_.give_back(connected());
  auto again = pool_.take(0, check::certain);
  ASSERT_NE(again, nullptr);
  pool_.give_back(std::move(again));
  EXPECT_NE(pool_.take(0, check::free_only), nullptr);
}

TEST_F(ConnectionPoolTest, AClosedConnectionIsNeverHandedOutWhenTheRequestCannotBeReplayed) {
  auto connection = connected();
  const int fd = connection->socket.native_handle();
  pool_.give_back(std::move(connection));
  upstream_closes(fd);
  EXPECT_EQ(pool_.take(0, check::certain), nullptr) << "a closed connection was handed out";
  EXPECT_EQ(pool_.take(0, check::free_only), nullptr) << "and it stayed in the pool";
}

#ifndef QUIKEDGE_IO_URING_BUILD
TEST_F(ConnectionPoolTest, OnEpollBytesSentWhileIdleAreNeverTakenForAResponse) {
  // Nothing watches an idle connection on epoll: even a replayable request's
  // take must see that the upstream wrote more than it framed, or those bytes
  // would be read as the next request's response.
  auto connection = connected();
  const int fd = connection->socket.native_handle();
  pool_.give_back(std::move(connection));
  boost::asio::write(peer_, boost::asio::buffer(std::string_view("HTTP/1.1 200 OK\r\n")));
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  EXPECT_EQ(pool_.take(0, check::free_only), nullptr);
}
#endif

TEST(ReplayPolicy, OnlyIdempotentRequestsWithoutABodyAreReplayableIfStale) {
  http::request_state request;
  request.idempotent = true;
  EXPECT_TRUE(http::replayable_if_stale(request, false));
  EXPECT_FALSE(http::replayable_if_stale(request, true)) << "a body is streamed, not kept";
  request.replayed = true;
  EXPECT_FALSE(http::replayable_if_stale(request, false)) << "replayed once at most";
  request.replayed = false;
  request.idempotent = false;
  EXPECT_FALSE(http::replayable_if_stale(request, false)) << "a POST is never sent twice";
}

}  // namespace
}  // namespace quikedge::upstream
