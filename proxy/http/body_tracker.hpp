// Tracks how much of a message body has passed, for any framing, so relays know
// which buffered bytes belong to the current message and when it ends.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/chunked_scanner.hpp"
#include "http/message_head.hpp"

namespace quikedge::http {

class body_tracker {
 public:
  void start(body_framing framing, std::uint64_t content_length);

  /// How many leading bytes of `available` belong to this body. Sets failed()
  /// when the bytes break the framing (bad chunk syntax).
  std::size_t take(std::string_view available);

  /// The peer closed its side: ends an until_close body, fails any other.
  void on_eof();

  [[nodiscard]] bool complete() const { return complete_; }
  [[nodiscard]] bool failed() const { return failed_; }
  [[nodiscard]] bool has_body() const { return framing_ != body_framing::none; }
  [[nodiscard]] body_framing framing() const { return framing_; }
  /// Payload bytes so far (chunk framing excluded).
  [[nodiscard]] std::uint64_t payload_bytes() const;

 private:
  body_framing framing_ = body_framing::none;
  std::uint64_t remaining_ = 0;
  std::uint64_t passed_ = 0;
  chunked_scanner chunks_;
  bool complete_ = true;
  bool failed_ = false;
};

}  // namespace quikedge::http
