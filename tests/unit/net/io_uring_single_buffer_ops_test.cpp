// The SQE wrappers that turn Asio's one-buffer recvmsg/sendmsg into recv/send
// (net/io_uring_single_buffer_ops.hpp): which messages are turned, that the SQE
// says the same thing, and, on a real ring where the kernel allows one, that the
// bytes arrive.
#include "net/io_uring_single_buffer_ops.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace quikedge::net::uring {
namespace {

struct message {
  std::array<char, 16> first{};
  std::array<char, 16> second{};
  std::array<iovec, 2> iov{iovec{first.data(), first.size()}, iovec{second.data(), second.size()}};
  msghdr header{};

  explicit message(std::size_t buffers) {
    header.msg_iov = iov.data();
    header.msg_iovlen = buffers;
  }
};

std::uint64_t address_of(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

TEST(IoUringSingleBufferOps, OneBufferIsAPlainRecvOrSendOfThatBuffer) {
  message m(1);
  io_uring_sqe sqe{};
  prep_recv_or_recvmsg(&sqe, 7, &m.header, 0);
  EXPECT_EQ(sqe.opcode, IORING_OP_RECV);
  EXPECT_EQ(sqe.fd, 7);
  EXPECT_EQ(sqe.addr, address_of(m.first.data()));
  EXPECT_EQ(sqe.len, m.first.size());

  sqe = {};
  prep_send_or_sendmsg(&sqe, 9, &m.header, MSG_NOSIGNAL);
  EXPECT_EQ(sqe.opcode, IORING_OP_SEND);
  EXPECT_EQ(sqe.fd, 9);
  EXPECT_EQ(sqe.addr, address_of(m.first.data()));
  EXPECT_EQ(sqe.len, m.first.size());
  EXPECT_EQ(sqe.msg_flags, static_cast<unsigned>(MSG_NOSIGNAL));
}

TEST(IoUringSingleBufferOps, GatheredAddressedOrControlMessagesKeepTheirMsghdr) {
  sockaddr_storage peer{};
  std::array<char, 32> control{};
  message gathered(2);
  message addressed(1);
  addressed.header.msg_name = &peer;
  addressed.header.msg_namelen = sizeof peer;
  message with_control(1);
  with_control.header.msg_control = control.data();
  with_control.header.msg_controllen = control.size();
  for (message* m : {&gathered, &addressed, &with_control}) {
    io_uring_sqe sqe{};
    prep_recv_or_recvmsg(&sqe, 7, &m->header, 0);
    EXPECT_EQ(sqe.opcode, IORING_OP_RECVMSG);
    EXPECT_EQ(sqe.addr, address_of(&m->header));
    sqe = {};
    prep_send_or_sendmsg(&sqe, 7, &m->header, 0);
    EXPECT_EQ(sqe.opcode, IORING_OP_SENDMSG);
    EXPECT_EQ(sqe.addr, address_of(&m->header));
  }
}

TEST(IoUringSingleBufferOps, BytesGoThroughARealRing) {
  io_uring ring{};
  if (const int failed = io_uring_queue_init(4, &ring, 0); failed != 0) {
    GTEST_SKIP() << "no io_uring here: " << std::strerror(-failed);
  }
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  constexpr std::string_view payload = "one buffer";

  message out(1);
  std::memcpy(out.first.data(), payload.data(), payload.size());
  out.iov[0].iov_len = payload.size();
  message in(1);
  prep_send_or_sendmsg(io_uring_get_sqe(&ring), pair[0], &out.header, MSG_NOSIGNAL);
  prep_recv_or_recvmsg(io_uring_get_sqe(&ring), pair[1], &in.header, 0);
  ASSERT_EQ(io_uring_submit_and_wait(&ring, 2), 2);
  for (int i = 0; i < 2; ++i) {
    io_uring_cqe* cqe = nullptr;
    ASSERT_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
    EXPECT_EQ(cqe->res, static_cast<int>(payload.size()));
    io_uring_cqe_seen(&ring, cqe);
  }
  EXPECT_EQ(std::string_view(in.first.data(), payload.size()), payload);
  ::close(pair[0]);
  ::close(pair[1]);
  io_uring_queue_exit(&ring);
}

}  // namespace
}  // namespace quikedge::net::uring
