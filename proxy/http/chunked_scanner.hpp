// Finds where a chunked body ends while its bytes are forwarded unchanged, and
// refuses malformed framing (bad sizes, missing CRLF) so that the proxy and the
// next hop never disagree about message boundaries.
#pragma once

#include <cstdint>
#include <string_view>

namespace quikedge::http {

class chunked_scanner {
 public:
  /// Scans `input` and returns how many of its bytes belong to this message;
  /// stops early at the end of the message or at an error.
  std::size_t scan(std::string_view input);

  [[nodiscard]] bool done() const { return state_ == state::done; }
  [[nodiscard]] bool failed() const { return state_ == state::error; }
  /// Sum of chunk payload sizes seen so far (to enforce body limits).
  [[nodiscard]] std::uint64_t payload_bytes() const { return payload_bytes_; }

  void reset() { *this = chunked_scanner{}; }

 private:
  enum class state : std::uint8_t {
    size_first,
    size,
    extension,
    size_lf,
    data,
    data_cr,
    data_lf,
    trailer_start,
    trailer_line,
    trailer_lf,
    final_lf,
    done,
    error,
  };

  state state_ = state::size_first;
  std::uint64_t chunk_remaining_ = 0;
  std::uint64_t payload_bytes_ = 0;
};

}  // namespace quikedge::http
