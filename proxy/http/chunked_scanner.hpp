// Decodes chunked transfer coding (RFC 9112 section 7.1) strictly: CRLF only, no
// bare LF or CR, bounded chunk lines and trailers, no size overflow. It reports
// where the payload is so the proxy can re-encode the body itself instead of
// forwarding framing bytes that the next parser might read differently.
#pragma once

#include <cstdint>
#include <string_view>

namespace quikedge::http {

/// One call's progress: how many input bytes were used, and the payload among
/// them (a view into the input; empty when the bytes were framing only).
struct chunk_step {
  std::size_t consumed = 0;
  std::string_view payload;
};

class chunked_scanner {
 public:
  /// Longest chunk-size line (size and extensions) accepted.
  static constexpr std::size_t max_line_bytes = 4096;
  /// Largest trailer section accepted (trailers are validated, then dropped).
  static constexpr std::size_t max_trailer_bytes = 16384;

  /// Consumes framing bytes from the front of `input` up to and including the
  /// next run of payload bytes. Stops at the end of the message, at an error or
  /// when the input is used up; call again with the rest.
  chunk_step step(std::string_view input);

  /// Consumes as much of `input` as belongs to the message; returns how much.
  std::size_t scan(std::string_view input);

  [[nodiscard]] bool done() const { return state_ == state::done; }
  [[nodiscard]] bool failed() const { return state_ == state::error; }
  /// Sum of chunk payload sizes seen so far (to enforce body limits).
  [[nodiscard]] std::uint64_t payload_bytes() const { return payload_bytes_; }
  /// Payload seen plus what the current chunk's size line still announces, so a
  /// body limit can refuse a huge chunk before any of it arrives.
  [[nodiscard]] std::uint64_t announced_bytes() const { return payload_bytes_ + chunk_remaining_; }

  void reset() { *this = chunked_scanner{}; }

 private:
  enum class state : std::uint8_t {
    size_first,     ///< first hex digit of a chunk size
    size,           ///< more hex digits
    size_ws,        ///< whitespace after the size: only ';' may follow
    extension,      ///< chunk extensions, up to CR
    size_lf,        ///< LF after the size line's CR
    data,           ///< chunk payload
    data_cr,        ///< CR after the payload
    data_lf,        ///< LF after it
    trailer_start,  ///< start of a trailer line, or CR of the final blank line
    trailer_name,   ///< field name up to ':'
    trailer_value,  ///< field value up to CR
    trailer_lf,     ///< LF ending a trailer line
    final_lf,       ///< LF ending the message
    done,
    error,
  };

  /// Moves one framing byte through the state machine.
  void advance(char c);
  /// Takes a whole "HEX\r\n" size line at input[i] (state size_first) and moves i
  /// past it; false, with nothing taken, for anything else. Same result as advance().
  bool take_plain_size_line(std::string_view input, std::size_t& i);
  void fail() { state_ = state::error; }

  state state_ = state::size_first;
  std::uint64_t chunk_remaining_ = 0;
  std::uint64_t payload_bytes_ = 0;
  std::size_t line_bytes_ = 0;     ///< bytes of the current size line
  std::size_t trailer_bytes_ = 0;  ///< bytes of the trailer section so far
};

}  // namespace quikedge::http
