// A strict, recording HTTP/1.1 upstream inside the test process, and a fixture that puts
// one quikedge (one worker, one stack whose only endpoint is the recorder) in front of it.
//
// The recorder keeps every byte each connection received, parses requests strictly
// (CRLF only, no obs-fold, one Content-Length or exactly `Transfer-Encoding: chunked`,
// strict chunk lines) and records each parsed request in order. Bytes it cannot parse
// are recorded as that connection's error and the connection is closed unanswered, so a
// request smuggled to the upstream shows up either as an extra request or as an error.
// Each request is answered by default with `200 OK`, `Content-Length: N` and the
// request's target as the body; tests can script raw response bytes instead.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/proxy_process.hpp"

namespace quikedge::test {

/// One request as the recorder parsed it.
struct recorded_request {
  std::size_t connection = 0;  ///< index of the upstream connection, in accept order
  std::string method;
  std::string target;
  int version_minor = 1;
  header_list headers;  ///< in order, names as sent, values without surrounding OWS
  std::string body;     ///< the payload (chunked bodies decoded)
  std::string raw;      ///< the whole message as received, head and framed body
  bool chunked = false;
  std::vector<std::string> chunk_size_lines;  ///< every size line as sent, without CRLF
  std::vector<std::string> chunk_extensions;  ///< the extension text of chunks that had one
  header_list trailers;

  /// The first value of header `name` (case-insensitive), or "" when there is none.
  [[nodiscard]] std::string header(std::string_view name) const;
  [[nodiscard]] std::size_t count(std::string_view name) const;
};

/// What one upstream connection received.
struct recorded_connection {
  std::string received;      ///< every byte, in order
  std::size_t requests = 0;  ///< how many of them parsed as requests
  std::string error;         ///< why the rest did not parse (the connection was then closed)
  std::string unparsed;      ///< bytes left over, not a whole request, when the peer closed
  bool peer_closed = false;
};

/// A response written instead of the default one.
struct scripted_response {
  /// Written in order. Every part after the first waits for one release_part() call,
  /// so a test can let the proxy relay part of a response before the rest comes.
  std::vector<std::string> parts;
  bool close_after = false;  ///< close the connection once everything was written

  scripted_response() = default;
  scripted_response(std::string raw, bool close = false)  // NOLINT: implicit from bytes
      : parts{std::move(raw)}, close_after(close) {}
  /// Several parts; a braced list of literals would pick the string constructor.
  static scripted_response in_parts(std::vector<std::string> raw_parts, bool close = false) {
    scripted_response r;
    r.parts = std::move(raw_parts);
    r.close_after = close;
    return r;
  }
};

/// The default answer to a request for `target`.
std::string default_response(std::string_view target, bool head_request = false);

/// `bytes` with CR, LF, NUL and other controls escaped, for failure messages.
std::string printable(std::string_view bytes);

class recording_upstream {
 public:
  /// Chooses the response for a request, or nullopt for the per-target or default one.
  /// Runs on the recorder's thread, without its lock held.
  using responder = std::function<std::optional<scripted_response>(const recorded_request&)>;

  /// Listens on 127.0.0.1 and a port the kernel picks, and starts the thread.
  /// Throws std::runtime_error if the socket cannot be set up.
  recording_upstream();
  /// Stops the thread and closes every socket.
  ~recording_upstream();
  recording_upstream(const recording_upstream&) = delete;
  recording_upstream& operator=(const recording_upstream&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT", as a config endpoint.
  [[nodiscard]] std::string address() const;

  /// Every request for `target` from now on is answered with `response`.
  void respond(const std::string& target, scripted_response response);
  /// Consulted before the per-target responses.
  void set_responder(responder r);
  /// Lets one waiting scripted part go out.
  void release_part();
  /// How many parts that waited for release_part() have been written completely.
  [[nodiscard]] std::size_t released_parts_written() const;

  /// Every request parsed so far, in the order they were parsed.
  [[nodiscard]] std::vector<recorded_request> requests() const;
  [[nodiscard]] std::size_t request_count() const;
  /// Every connection accepted so far, in accept order.
  [[nodiscard]] std::vector<recorded_connection> connections() const;
  [[nodiscard]] std::size_t connection_count() const;
  /// The parse errors of all connections, as "connection N: reason; bytes: ...".
  [[nodiscard]] std::vector<std::string> errors() const;
  /// Everything every connection received, escaped, for failure messages.
  [[nodiscard]] std::string describe() const;

  /// Waits (polling, bounded) until at least `count` requests were parsed.
  testing::AssertionResult wait_for_requests(
      std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  /// Every byte each connection received belongs to a request it parsed. With
  /// `partial_ok`, a connection may instead end in part of a request if it was closed
  /// (a body refused while it streamed): polled for up to 3 s, since the proxy closes
  /// that connection after the refusal. Otherwise the next request on it would
  /// extend the cut one.
  [[nodiscard]] testing::AssertionResult only_whole_requests(bool partial_ok) const;
  /// Waits until a request for `target` was parsed.
  testing::AssertionResult wait_for_target(
      std::string_view target, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

 private:
  struct connection_state;

  void run();
  void accept_all();
  void read_from(connection_state& connection);
  void parse_requests(connection_state& connection);
  void queue_response(connection_state& connection, const recorded_request& request);
  void write_to(connection_state& connection);
  void wake();

  int listen_fd_ = -1;
  int wake_fd_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;  // guards everything below
  std::vector<recorded_request> requests_;
  std::vector<recorded_connection> connections_;
  std::map<std::string, scripted_response> by_target_;
  responder responder_;
  std::size_t released_ = 0;
  std::size_t released_written_ = 0;

  std::vector<std::unique_ptr<connection_state>> live_;  // the thread's own
  std::size_t gates_taken_ = 0;                          // the thread's own
  std::thread thread_;
};

/// Host every test request carries.
inline constexpr std::string_view test_host = "h.example";

/// "GET target HTTP/1.1" with Host: h.example, nothing else.
std::string get_text(std::string_view target);

/// What the upstream must have parsed for one forwarded request.
struct expected_request {
  std::string method;
  std::string target;
  std::string body;
  std::optional<std::string> host = std::string(test_host);  ///< nullopt: any one Host
};

/// One request-side case: raw client bytes and everything that must follow from them.
struct request_case {
  const char* name;
  std::string raw;            ///< what the client sends, maybe with a pipelined request after
  std::vector<int> statuses;  ///< the first response has one of these
  bool expect_closed;         ///< the proxy closes the client connection after it
  std::vector<expected_request> upstream;  ///< every request the upstream must parse
  /// The upstream may have received part of a request that the proxy refused while its
  /// body streamed (the connection must then be closed, the request never completed).
  bool partial_upstream_ok = false;
};

void PrintTo(const request_case& c, std::ostream* out);

/// Refused with one of `statuses` and closed; nothing reaches the upstream.
request_case refused(const char* name, std::string raw, std::vector<int> statuses = {400});
/// Forwarded as exactly `upstream` and answered 200, the connection kept open.
request_case forwarded(const char* name, std::string raw, std::vector<expected_request> upstream);
/// The same, and the client connection is closed after the answer.
request_case forwarded_then_closed(const char* name, std::string raw,
                                   std::vector<expected_request> upstream);
/// Like refused(), but the upstream may have got the start of it before the refusal.
request_case refused_while_streaming(const char* name, std::string raw,
                                     std::vector<int> statuses = {400});

/// "POST target HTTP/1.1", Host: h.example, then `fields` (complete lines) and the blank line.
std::string post_head(std::string_view target, std::string_view fields);
/// One chunk: HEX CRLF data CRLF.
std::string chunk(std::string_view data);
/// A whole request that, if an upstream ever parses it, shows up as GET /smuggled.
std::string smuggled_request();

/// Checks the framing the proxy wrote for a forwarded request: exactly one Host, at
/// most one framing header, its own `Content-Length: N` or `Transfer-Encoding: chunked`
/// with canonical chunks (no extensions, no leading zeros, no trailers).
testing::AssertionResult framed_canonically(const recorded_request& request);

/// `got` (requests `upstream` parsed) is exactly `expected`: method, target, body and
/// Host, each framed canonically; nothing failed to parse; and every byte received is
/// part of a whole request (see only_whole_requests for `partial_ok`).
testing::AssertionResult requests_match(const recording_upstream& upstream,
                                        const std::vector<recorded_request>& got,
                                        const std::vector<expected_request>& expected,
                                        bool partial_ok);

/// One quikedge (workers: 1, short timeouts, 64 KiB body limit) whose only stack
/// "origin" is a recording_upstream.
class recorded_proxy : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(proxy.start(config())); }
  proxy_config config() const;
  [[nodiscard]] std::uint16_t port() const { return proxy.http_port(); }

  /// Sends GET `target` on `client` and checks that the answer is the one for `target`.
  testing::AssertionResult answered_itself(http_client& client, std::string_view target);
  /// The same on a fresh connection.
  testing::AssertionResult answered_itself(std::string_view target);

  /// Opens a pooled upstream connection (GET /warm) and returns the request count after it.
  std::size_t warm_pool();

  /// Waits until /sentinel, sent on a fresh client after everything else, reached the
  /// upstream, then compares the requests parsed after `base` with `expected` followed by
  /// the sentinel, checks their framing and that nothing failed to parse.
  /// Also checks that every byte the upstream received is part of a parsed request;
  /// with `partial_ok`, a connection may end in part of a request if it was closed.
  testing::AssertionResult upstream_saw(std::size_t base,
                                        const std::vector<expected_request>& expected,
                                        bool partial_ok = false);

  /// Runs one request_case: warm pool, the raw bytes, status, the connection's fate (a
  /// follow-up request answered on it, or it closed with nothing more), then the sentinel
  /// on a second client and the exact list of upstream requests. Returns the requests the
  /// upstream parsed for it (after the warm-up).
  std::vector<recorded_request> expect_case(const request_case& c);

  // The upstream is declared first, so the proxy stops before it.
  recording_upstream upstream;
  proxy_process proxy;
};

}  // namespace quikedge::test
