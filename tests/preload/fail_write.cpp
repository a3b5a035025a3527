// An LD_PRELOAD library for integration tests: the one fault a test cannot cause
// from outside. A socket write whose bytes contain QUIKEDGE_TEST_FAIL_WRITE_MARKER
// fails with ECONNRESET, as a write does when the peer's reset arrived just before
// it (a pod killed while the proxy sends it a request). From outside, that race is
// won about 2% of the time; here it is won every time, on the first write of the
// request, with nothing of it sent. The socket is shut down first, so the next
// call on it fails as well, as on a reset connection.
//
// Only the calls the epoll backend writes sockets with are wrapped (send, sendto,
// sendmsg, writev); io_uring writes do not go through libc, so tests using this run
// the proxy with QUIKEDGE_IO_BACKEND=epoll. Without the variable set, every call is
// passed through untouched.
#include <dlfcn.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

std::string_view marker() {
  static const char* value = std::getenv("QUIKEDGE_TEST_FAIL_WRITE_MARKER");
  return value == nullptr ? std::string_view{} : std::string_view(value);
}

bool contains_marker(const void* data, std::size_t size) {
  const auto wanted = marker();
  return !wanted.empty() && size >= wanted.size() &&
         std::string_view(static_cast<const char*>(data), size).find(wanted) !=
             std::string_view::npos;
}

// The marker never straddles two iovecs in the tests' writes: it is a header line,
// and the proxy writes the head it built as one buffer.
bool iov_contains_marker(const iovec* iov, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (contains_marker(iov[i].iov_base, iov[i].iov_len)) {
      return true;
    }
  }
  return false;
}

ssize_t fail_as_reset(int fd) {
  ::shutdown(fd, SHUT_RDWR);
  errno = ECONNRESET;
  return -1;
}

template <class Function>
Function next(const char* name) {
  return reinterpret_cast<Function>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

ssize_t send(int fd, const void* data, std::size_t size, int flags) {
  static const auto real = next<ssize_t (*)(int, const void*, std::size_t, int)>("send");
  return contains_marker(data, size) ? fail_as_reset(fd) : real(fd, data, size, flags);
}

ssize_t sendto(int fd, const void* data, std::size_t size, int flags, const sockaddr* to,
               socklen_t to_size) {
  static const auto real =
      next<ssize_t (*)(int, const void*, std::size_t, int, const sockaddr*, socklen_t)>("sendto");
  return contains_marker(data, size) ? fail_as_reset(fd) : real(fd, data, size, flags, to, to_size);
}

ssize_t sendmsg(int fd, const msghdr* message, int flags) {
  static const auto real = next<ssize_t (*)(int, const msghdr*, int)>("sendmsg");
  return iov_contains_marker(message->msg_iov, message->msg_iovlen) ? fail_as_reset(fd)
                                                                    : real(fd, message, flags);
}

ssize_t writev(int fd, const iovec* iov, int count) {
  static const auto real = next<ssize_t (*)(int, const iovec*, int)>("writev");
  return count > 0 && iov_contains_marker(iov, static_cast<std::size_t>(count))
             ? fail_as_reset(fd)
             : real(fd, iov, count);
}

}  // extern "C"
