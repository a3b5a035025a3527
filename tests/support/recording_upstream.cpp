// The recording upstream: a poll() loop on its own thread that accepts connections,
// records every byte and every request the strict parser makes of them, and hands the
// parsed requests to queue_response() (recording_responses.cpp).
#include "support/recording_upstream.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "support/loopback.hpp"
#include "support/recording_connection.hpp"
#include "support/strict_request_parser.hpp"

namespace quikedge::test {
namespace {

constexpr std::size_t max_live_connections = 64;
constexpr std::size_t max_requests_per_read = 64;
constexpr int poll_ms = 50;
constexpr std::size_t max_described = 2048;  // bytes per connection in describe()

/// printable(), cut to max_described bytes.
std::string clipped(std::string_view bytes) {
  std::string out = printable(bytes.substr(0, max_described));
  if (bytes.size() > max_described) {
    out += "... (" + std::to_string(bytes.size() - max_described) + " more bytes)";
  }
  return out;
}

}  // namespace

recording_upstream::recording_upstream() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in address = loopback_address();
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::pipe2(wake_fd_, O_CLOEXEC | O_NONBLOCK) != 0) {
    const std::string why = std::strerror(errno);
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
    }
    throw std::runtime_error("recording_upstream: " + why);
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

recording_upstream::~recording_upstream() {
  stopping_ = true;
  wake();
  thread_.join();
  for (auto& connection : live_) {
    if (connection->fd >= 0) {
      ::close(connection->fd);
    }
  }
  ::close(listen_fd_);
  ::close(wake_fd_[0]);
  ::close(wake_fd_[1]);
}

std::string recording_upstream::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void recording_upstream::respond(const std::string& target, scripted_response response) {
  std::lock_guard lock(mutex_);
  by_target_[target] = std::move(response);
}

void recording_upstream::set_responder(responder r) {
  std::lock_guard lock(mutex_);
  responder_ = std::move(r);
}

void recording_upstream::release_part() {
  {
    std::lock_guard lock(mutex_);
    ++released_;
  }
  wake();
}

std::size_t recording_upstream::released_parts_written() const {
  std::lock_guard lock(mutex_);
  return released_written_;
}

std::vector<recorded_request> recording_upstream::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t recording_upstream::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

std::vector<recorded_connection> recording_upstream::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

std::size_t recording_upstream::connection_count() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

std::vector<std::string> recording_upstream::errors() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    if (!connections_[i].error.empty()) {
      out.push_back("connection " + std::to_string(i) + ": " + connections_[i].error +
                    "; received: " + clipped(connections_[i].received));
    }
  }
  return out;
}

std::string recording_upstream::describe() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    const auto& c = connections_[i];
    out += "upstream connection " + std::to_string(i) + " (" + std::to_string(c.requests) +
           " requests" + (c.error.empty() ? "" : ", error: " + c.error) +
           (c.peer_closed ? ", closed by the proxy" : "") + "): " + clipped(c.received) + "\n";
  }
  return out.empty() ? "upstream: no connection\n" : out;
}

testing::AssertionResult recording_upstream::wait_for_requests(
    std::size_t count, std::chrono::milliseconds timeout) const {
  auto result = eventually([&] { return request_count() >= count; }, timeout,
                           std::to_string(count) + " upstream requests");
  if (!result) {
    result << "\n" << describe();
  }
  return result;
}

testing::AssertionResult recording_upstream::only_whole_requests(bool partial_ok) const {
  auto stray = [&](bool closed_counts) {
    const auto all = connections();
    std::vector<std::size_t> parsed_bytes(all.size());
    for (const auto& r : requests()) {
      parsed_bytes[r.connection] += r.raw.size();
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i].received.size() != parsed_bytes[i] && !(closed_counts && all[i].peer_closed)) {
        return testing::AssertionFailure()
               << "upstream connection " << i << " received "
               << all[i].received.size() - parsed_bytes[i] << " bytes that are not a whole request"
               << (closed_counts ? " and was not closed" : "");
      }
    }
    return testing::AssertionSuccess();
  };
  return partial_ok ? eventually([&] { return stray(true); }, std::chrono::seconds(3))
                    : stray(false);
}

testing::AssertionResult recording_upstream::wait_for_target(
    std::string_view target, std::chrono::milliseconds timeout) const {
  auto seen = [&] {
    std::lock_guard lock(mutex_);
    return std::any_of(requests_.begin(), requests_.end(),
                       [&](const auto& r) { return r.target == target; });
  };
  auto result = eventually(seen, timeout, "an upstream request for " + std::string(target));
  if (!result) {
    result << "\n" << describe();
  }
  return result;
}

void recording_upstream::wake() {
  const char byte = 1;
  [[maybe_unused]] auto ignored = ::write(wake_fd_[1], &byte, 1);
}

void recording_upstream::run() {
  std::vector<pollfd> fds;
  while (!stopping_) {
    fds.clear();
    fds.push_back({wake_fd_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (auto& connection : live_) {
      short events = connection->reading ? POLLIN : 0;
      if (!connection->out.empty()) {
        events |= POLLOUT;
      }
      fds.push_back({connection->fd, events, 0});
    }
    if (::poll(fds.data(), fds.size(), poll_ms) < 0 && errno != EINTR) {
      return;
    }
    char drain[64];
    while (::read(wake_fd_[0], drain, sizeof drain) > 0) {
    }
    if ((fds[1].revents & POLLIN) != 0) {
      accept_all();
    }
    for (std::size_t i = 0; i < live_.size(); ++i) {
      auto& connection = *live_[i];
      const short revents = i + 2 < fds.size() ? fds[i + 2].revents : 0;
      if (connection.reading && (revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        read_from(connection);
      }
      write_to(connection);
    }
    std::erase_if(live_, [](const auto& c) {
      if (c->finished) {
        ::close(c->fd);
        c->fd = -1;
      }
      return c->fd < 0;
    });
  }
}

void recording_upstream::accept_all() {
  for (int i = 0; i < 16; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      return;
    }
    if (live_.size() >= max_live_connections) {
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto connection = std::make_unique<connection_state>();
    connection->fd = fd;
    {
      std::lock_guard lock(mutex_);
      connection->index = connections_.size();
      connections_.emplace_back();
    }
    live_.push_back(std::move(connection));
  }
}

void recording_upstream::read_from(connection_state& connection) {
  char buffer[64 * 1024];
  const ssize_t n = ::recv(connection.fd, buffer, sizeof buffer, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    return;
  }
  if (n <= 0) {
    connection.reading = false;
    std::lock_guard lock(mutex_);
    auto& record = connections_[connection.index];
    record.peer_closed = true;
    record.unparsed = connection.in;
    if (connection.out.empty()) {
      connection.finished = true;
    }
    return;
  }
  connection.in.append(buffer, static_cast<std::size_t>(n));
  {
    std::lock_guard lock(mutex_);
    connections_[connection.index].received.append(buffer, static_cast<std::size_t>(n));
  }
  parse_requests(connection);
}

void recording_upstream::parse_requests(connection_state& connection) {
  for (std::size_t i = 0; i < max_requests_per_read && !connection.in.empty(); ++i) {
    recorded_request request;
    request.connection = connection.index;
    auto outcome = strict::parse_request(connection.in, request);
    if (outcome.result == strict::parsed::incomplete) {
      return;
    }
    if (outcome.result == strict::parsed::error) {
      connection.reading = false;
      std::lock_guard lock(mutex_);
      connections_[connection.index].error = outcome.error;
      connections_[connection.index].unparsed = connection.in;
      if (connection.out.empty()) {
        connection.finished = true;
      } else {
        connection.out.back().close_after = true;
      }
      return;
    }
    connection.in.erase(0, outcome.consumed);
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      ++connections_[connection.index].requests;
    }
    queue_response(connection, request);
  }
}

}  // namespace quikedge::test
