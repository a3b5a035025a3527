// Blocking test HTTP client: poll()-bounded socket I/O and Beast response parsing.
#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <utility>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "support/loopback.hpp"
#include "support/response_reader.hpp"

namespace quikedge::test {
namespace {

constexpr std::size_t receive_chunk = 256 * 1024;
constexpr std::size_t send_piece = 256 * 1024;

int remaining_ms(test_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - test_clock::now());
  return static_cast<int>(std::clamp<long long>(left.count(), 0, 60'000));
}

http_response failure(std::string error) {
  http_response r;
  r.error = std::move(error);
  return r;
}

}  // namespace

std::string http_response::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : std::string(it->value());
}

std::string request_text(std::string_view method, std::string_view target,
                         const header_list& headers, std::string_view body) {
  std::string text;
  text.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  bool has_host = false;
  bool has_length = false;
  for (const auto& [name, value] : headers) {
    has_host |= boost::beast::iequals(name, "host");
    has_length |= boost::beast::iequals(name, "content-length") ||
                  boost::beast::iequals(name, "transfer-encoding");
    text.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_host) {
    text.append("Host: 127.0.0.1\r\n");
  }
  if (!has_length && (!body.empty() || method == "POST" || method == "PUT")) {
    text.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  text.append("\r\n").append(body);
  return text;
}

http_client::http_client(std::uint16_t port, duration timeout) {
  connect(port, timeout);
}

http_client::~http_client() {
  close();
}

http_client::http_client(http_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      in_(std::move(other.in_)),
      error_(std::move(other.error_)) {}

http_client& http_client::operator=(http_client&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    in_ = std::move(other.in_);
    error_ = std::move(other.error_);
  }
  return *this;
}

bool http_client::connect(std::uint16_t port, duration timeout) {
  close();
  in_.clear();
  error_.clear();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    error_ = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address = loopback_address(port);
  const auto deadline = test_clock::now() + timeout;
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (errno != EINPROGRESS || !wait_for(POLLOUT, deadline)) {
      error_ = "connect to port " + std::to_string(port) + ": " +
               (error_.empty() ? std::strerror(errno) : error_);
      close();
      return false;
    }
    int so_error = 0;
    socklen_t length = sizeof so_error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &length);
    if (so_error != 0) {
      error_ = "connect to port " + std::to_string(port) + ": " + std::strerror(so_error);
      close();
      return false;
    }
  }
  return true;
}

void http_client::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool http_client::wait_for(short events, test_clock::time_point deadline) {
  for (int round = 0; round < 1000; ++round) {
    pollfd p{fd_, events, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r > 0) {
      return true;
    }
    if (r == 0) {
      error_ = "timed out";
      return false;
    }
    if (errno != EINTR) {
      error_ = std::string("poll: ") + std::strerror(errno);
      return false;
    }
  }
  return false;
}

bool http_client::send(std::string_view bytes, duration timeout) {
  if (fd_ < 0) {
    error_ = "not connected";
    return false;
  }
  const auto deadline = test_clock::now() + timeout;
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(POLLOUT, deadline)) {
        return false;
      }
    } else {
      error_ = std::string("send: ") + std::strerror(errno);
      return false;
    }
  }
  return true;
}

long http_client::receive(test_clock::time_point deadline) {
  if (fd_ < 0) {
    error_ = "not connected";
    return -1;
  }
  for (;;) {
    const std::size_t old_size = in_.size();
    in_.resize(old_size + receive_chunk);
    const ssize_t n = ::recv(fd_, in_.data() + old_size, receive_chunk, 0);
    in_.resize(old_size + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n >= 0) {
      return static_cast<long>(n);
    }
    if (errno == ECONNRESET) {
      return 0;  // a reset ends the stream for the reader just as EOF does
    }
    if ((errno != EAGAIN && errno != EINTR) || !wait_for(POLLIN, deadline)) {
      if (error_.empty()) {
        error_ = std::string("recv: ") + std::strerror(errno);
      }
      return -1;
    }
  }
}

http_response http_client::read_response(bool head_request, duration timeout,
                                         const body_sink& sink) {
  const auto deadline = test_clock::now() + timeout;
  error_.clear();
  response_reader reader(head_request, sink);
  for (;;) {
    auto state = reader.feed(in_);
    if (state == response_reader::state::need_more) {
      const long n = receive(deadline);
      if (n < 0) {
        return failure("reading a response: " + error_);
      }
      if (n == 0) {
        state = reader.on_eof();
      }
    }
    if (state == response_reader::state::failed) {
      return failure(reader.error);
    }
    if (state == response_reader::state::done) {
      return reader.take();
    }
  }
}

http_response http_client::request(std::string_view method, std::string_view target,
                                   const header_list& headers, std::string_view body,
                                   duration timeout) {
  if (!send(request_text(method, target, headers, body), timeout)) {
    return failure("sending the request: " + error_);
  }
  return read_response(method == "HEAD", timeout);
}

http_response http_client::exchange_streaming(const std::string& head, const streamed_body& body,
                                              const body_sink& sink, duration timeout) {
  const auto deadline = test_clock::now() + timeout;
  response_reader reader(false, sink);
  std::string pending = head;
  std::uint64_t produced = 0;
  bool all_queued = false;
  std::optional<test_clock::time_point> pause_until;
  std::vector<char> piece(send_piece);
  for (;;) {
    if (!pause_until && produced >= body.pause_reading_at) {
      pause_until = test_clock::now() + body.pause_reading_for;
    }
    const bool paused = pause_until && test_clock::now() < *pause_until;
    if (pending.empty() && !all_queued) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(send_piece, body.size - produced));
      body.fill(produced, piece.data(), n);
      if (body.chunked && n > 0) {
        char size_line[32];
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
        pending.append(size_line).append(piece.data(), n).append("\r\n");
      } else {
        pending.append(piece.data(), n);
      }
      produced += n;
      if (produced == body.size) {
        all_queued = true;
        if (body.chunked) {
          pending.append("0\r\n\r\n");
        }
      }
    }
    pollfd p{fd_, static_cast<short>((paused ? 0 : POLLIN) | (pending.empty() ? 0 : POLLOUT)), 0};
    auto wake_at = deadline;
    if (paused) {
      wake_at = std::min(wake_at, *pause_until);
    } else if (body.stall_timeout.count() > 0) {
      wake_at = std::min(wake_at, test_clock::now() + body.stall_timeout);
    }
    const int ready = ::poll(&p, 1, remaining_ms(wake_at));
    if (ready == 0 && paused) {
      continue;  // the pause is over
    }
    if (ready == 0) {
      return failure((test_clock::now() < deadline
                          ? "no progress for " + std::to_string(body.stall_timeout.count()) + " ms"
                          : std::string("timed out")) +
                     " after queueing " + std::to_string(produced) + " body bytes");
    }
    if (ready < 0 && errno != EINTR) {
      return failure(std::string("poll: ") + std::strerror(errno));
    }
    if ((p.revents & POLLOUT) != 0) {
      const ssize_t n = ::send(fd_, pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        pending.erase(0, static_cast<std::size_t>(n));
        if (body.on_progress) {
          body.on_progress(produced);
        }
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        pending.clear();  // the proxy may have refused the body; read its answer
        all_queued = true;
      }
    }
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const long n = receive(test_clock::now());
      auto state = n == 0 ? reader.on_eof() : reader.feed(in_);
      if (n < 0 && error_ != "timed out") {
        return failure("reading a response: " + error_);
      }
      if (state == response_reader::state::failed) {
        return failure(reader.error);
      }
      if (state == response_reader::state::done) {
        return reader.take();
      }
    }
  }
}

bool http_client::wait_closed(duration timeout) {
  const auto deadline = test_clock::now() + timeout;
  for (int round = 0; round < 100'000; ++round) {
    const long n = receive(deadline);
    if (n == 0) {
      return true;
    }
    if (n < 0) {
      return false;
    }
  }
  return false;
}

http_response http_get(std::uint16_t port, std::string_view target, const header_list& headers,
                       http_client::duration timeout) {
  http_client client;
  if (!client.connect(port, timeout)) {
    return failure(client.error());
  }
  return client.get(target, headers, timeout);
}

namespace {

// The kernel's ephemeral range ("low high"), where connect() takes source ports.
std::pair<int, int> ephemeral_port_range() {
  std::pair<int, int> range{32768, 60999};
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    int low = 0;
    int high = 0;
    if (std::fscanf(f, "%d %d", &low, &high) == 2 && low > 0 && high >= low) {
      range = {low, high};
    }
    std::fclose(f);
  }
  return range;
}

bool bindable(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in address = loopback_address();
  address.sin_port = htons(port);
  // No SO_REUSEADDR: a port some socket holds in any state, TIME_WAIT too, is refused.
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::listen(fd, 1) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

// A port from the ephemeral range (what bind(0) hands out) can be taken, between
// this call and the caller's bind, as the source port of any outgoing connection:
// an etcd member dialing its peers took a client port picked for the next member
// that way. So pick below the ephemeral range, where only explicit binds go, at a
// per-process random start so that test processes do not walk the same sequence.
std::uint16_t unused_port() {
  static const auto range = ephemeral_port_range();
  const int high = range.first;  // exclusive
  const int low = std::max(1024, high - 12000);
  const int span = high - low;
  if (span <= 0) {
    return 0;
  }
  static std::atomic<unsigned> cursor{static_cast<unsigned>(std::random_device{}())};
  for (int attempt = 0; attempt < span; ++attempt) {
    const auto port = static_cast<std::uint16_t>(low + (cursor.fetch_add(7919) % span));
    if (bindable(port)) {
      return port;
    }
  }
  return 0;
}

}  // namespace quikedge::test
