// The recording upstream's answers: the default one, the scripted ones (per target or
// from the responder) and writing them, part by part, with the gates of release_part().
#include "support/recording_upstream.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include "support/recording_connection.hpp"

namespace quikedge::test {

std::string default_response(std::string_view target, bool head_request) {
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(target.size()) + "\r\n\r\n";
  if (!head_request) {
    out.append(target);
  }
  return out;
}

void recording_upstream::queue_response(connection_state& connection,
                                        const recorded_request& request) {
  responder chooser;
  std::optional<scripted_response> response;
  {
    std::lock_guard lock(mutex_);
    chooser = responder_;
    if (auto it = by_target_.find(request.target); it != by_target_.end()) {
      response = it->second;
    }
  }
  if (chooser) {
    if (auto chosen = chooser(request)) {
      response = std::move(chosen);
    }
  }
  if (!response) {
    response = scripted_response(default_response(request.target, request.method == "HEAD"));
  }
  for (std::size_t i = 0; i < response->parts.size(); ++i) {
    connection.out.push_back({std::move(response->parts[i]), i > 0,
                              response->close_after && i + 1 == response->parts.size()});
  }
  if (response->parts.empty() && response->close_after) {
    connection.out.push_back({{}, false, true});
  }
}

void recording_upstream::write_to(connection_state& connection) {
  while (!connection.out.empty() && !connection.finished) {
    auto& front = connection.out.front();
    if (front.gated && !connection.gate_taken) {
      std::lock_guard lock(mutex_);
      if (gates_taken_ >= released_) {
        return;
      }
      ++gates_taken_;
      connection.gate_taken = true;
    }
    while (!front.bytes.empty()) {
      const ssize_t n = ::send(connection.fd, front.bytes.data(), front.bytes.size(),
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;  // POLLOUT brings us back
      }
      if (n <= 0) {
        connection.finished = true;
        return;
      }
      front.bytes.erase(0, static_cast<std::size_t>(n));
    }
    if (front.gated) {
      std::lock_guard lock(mutex_);
      ++released_written_;
    }
    const bool close_after = front.close_after;
    connection.out.pop_front();
    connection.gate_taken = false;
    if (close_after) {
      connection.finished = true;
      return;
    }
  }
  if (connection.out.empty() && !connection.reading) {
    connection.finished = true;
  }
}

}  // namespace quikedge::test
