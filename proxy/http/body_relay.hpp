// Moves one message body from a read buffer to the next hop in the framing the
// proxy chose: Content-Length and close-delimited bodies pass as they are (the
// head carries the proxy's own Content-Length), chunked bodies are decoded and
// re-encoded canonically (no extensions, no trailers, CRLF only). Nothing the
// next parser could read differently from the proxy is forwarded. Worker only.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "http/chunked_scanner.hpp"
#include "http/message_head.hpp"
#include "http/relay_output.hpp"

namespace quikedge::http {

class body_relay {
 public:
  void start(body_framing framing, std::uint64_t content_length);

  /// Uses the leading bytes of `input` that belong to this body and appends
  /// what to send for them to `out` (cleared first). Returns how many input
  /// bytes were used: the caller consumes them once `out` is written. Sets
  /// failed() when the bytes break the framing.
  std::size_t take(std::string_view input, relay_output& out);

  /// The peer closed its side: ends a close-delimited body, fails any other.
  void on_eof();

  [[nodiscard]] bool complete() const { return complete_; }
  [[nodiscard]] bool failed() const { return failed_; }
  [[nodiscard]] bool has_body() const { return framing_ != body_framing::none; }
  [[nodiscard]] body_framing framing() const { return framing_; }
  /// Payload bytes so far (chunk framing excluded).
  [[nodiscard]] std::uint64_t payload_bytes() const;
  /// Payload bytes so far plus those the current chunk announces: what a body
  /// limit is checked against.
  [[nodiscard]] std::uint64_t announced_bytes() const;

 private:
  std::size_t take_chunked(std::string_view input, relay_output& out);

  body_framing framing_ = body_framing::none;
  std::uint64_t remaining_ = 0;
  std::uint64_t passed_ = 0;
  chunked_scanner chunks_;
  std::vector<std::string_view> pieces_;  ///< payload runs of one take(); capacity kept
  bool complete_ = true;
  bool failed_ = false;
};

}  // namespace quikedge::http
