// A small blocking HTTP/1.1 client for tests: a raw loopback socket with deadlines on
// every operation, raw byte sends, and responses parsed one at a time by Beast's
// response_parser (so pipelined responses, 1xx, HEAD and close-delimited bodies work).
#pragma once

#include <boost/beast/http/fields.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/child_process.hpp"
#include "support/test_body.hpp"

namespace quikedge::test {

using header_list = std::vector<std::pair<std::string, std::string>>;
using body_sink = std::function<void(std::string_view)>;

/// One response as read from the wire. status == 0 means none could be read; `error` says why.
struct http_response {
  int status = 0;
  unsigned version = 11;
  boost::beast::http::fields headers;
  std::string body;
  bool keep_alive = false;  ///< what the response's version and Connection header say
  std::string error;

  /// The value of the first header named `name`, or "" when there is none.
  [[nodiscard]] std::string header(std::string_view name) const;
  [[nodiscard]] std::size_t count(std::string_view name) const { return headers.count(name); }
};

/// A request body produced on the fly, for transfers too big to hold in memory.
struct streamed_body {
  std::uint64_t size = 0;
  bool chunked = false;  ///< send with chunked framing instead of Content-Length
  /// Fills out[0..n) with the body bytes starting at `offset`.
  std::function<void(std::uint64_t offset, char* out, std::size_t n)> fill;
  /// Called after each piece is sent, with the body bytes sent so far.
  std::function<void(std::uint64_t sent)> on_progress;
  /// Once this many body bytes are queued, stop reading the response (but keep sending)
  /// for `pause_reading_for`: a proxy without backpressure would then buffer the body.
  std::uint64_t pause_reading_at = UINT64_MAX;
  std::chrono::milliseconds pause_reading_for{0};
  /// Fail when neither direction moves for this long (0: only the overall timeout).
  std::chrono::milliseconds stall_timeout{0};
};

/// Builds a request head (and body): Host is added unless given in `headers`, and
/// Content-Length when `body` is not empty or the method is POST/PUT.
std::string request_text(std::string_view method, std::string_view target,
                         const header_list& headers = {}, std::string_view body = {});

class http_client {
 public:
  using duration = std::chrono::milliseconds;
  static constexpr duration default_timeout{10'000};

  http_client() = default;
  /// Connects at once; check is_open() or error().
  explicit http_client(std::uint16_t port, duration timeout = default_timeout);
  ~http_client();
  http_client(http_client&& other) noexcept;
  http_client& operator=(http_client&& other) noexcept;

  /// Connects to 127.0.0.1:port. False with error() set on failure.
  bool connect(std::uint16_t port, duration timeout = default_timeout);
  void close();
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] const std::string& error() const { return error_; }

  /// Writes all of `bytes` in as few send() calls as the kernel allows.
  bool send(std::string_view bytes, duration timeout = default_timeout);

  /// Reads one response. `head_request`: the request was HEAD, so no body follows.
  /// With a sink, body bytes go to the sink instead of response.body.
  http_response read_response(bool head_request = false, duration timeout = default_timeout,
                              const body_sink& sink = {});

  /// Sends a request and reads its response.
  http_response request(std::string_view method, std::string_view target,
                        const header_list& headers = {}, std::string_view body = {},
                        duration timeout = default_timeout);
  http_response get(std::string_view target, const header_list& headers = {},
                    duration timeout = default_timeout) {
    return request("GET", target, headers, {}, timeout);
  }
  http_response post(std::string_view target, std::string_view body,
                     const header_list& headers = {}, duration timeout = default_timeout) {
    return request("POST", target, headers, body, timeout);
  }

  /// Sends `head` followed by a generated body while reading the response at the same
  /// time (an echo answers before the upload ends). Stops sending if the response ends
  /// first, as it does when the proxy refuses the body.
  http_response exchange_streaming(const std::string& head, const streamed_body& body,
                                   const body_sink& sink, duration timeout);

  /// Waits for the peer to close (EOF or reset). Bytes that arrive meanwhile are kept
  /// and reported by unread_bytes(). False at the deadline.
  bool wait_closed(duration timeout);
  /// Bytes received but not part of a response read so far.
  [[nodiscard]] const std::string& unread_bytes() const { return in_; }

 private:
  /// Waits for `events` on the socket; false at the deadline (error_ set).
  bool wait_for(short events, test_clock::time_point deadline);
  /// Reads what is available into in_: >0 bytes, 0 at EOF, -1 on error or timeout.
  long receive(test_clock::time_point deadline);

  int fd_ = -1;
  std::string in_;
  std::string error_;
};

/// One request on a fresh connection, closed afterwards.
http_response http_get(std::uint16_t port, std::string_view target, const header_list& headers = {},
                       http_client::duration timeout = http_client::default_timeout);

/// A loopback port that nothing holds, picked below the kernel's ephemeral range so
/// that no outgoing connection takes it before the caller binds it.
std::uint16_t unused_port();

}  // namespace quikedge::test
