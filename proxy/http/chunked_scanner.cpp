// State machine over chunked transfer coding (RFC 9112 section 7.1). Every line
// must end in CRLF: a bare LF is where lenient parsers disagree about a chunk's
// end, and a request can hide behind that disagreement.
#include "http/chunked_scanner.hpp"

#include <algorithm>

#include "http/char_classes.hpp"
#include "http/message_head.hpp"

namespace quikedge::http {
namespace {

// Larger chunks are never legitimate and would overflow the running total.
constexpr std::uint64_t max_chunk_size = std::uint64_t{1} << 56;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Extensions are not interpreted (nor forwarded), but their bytes must be ones
// a chunk-ext can hold: visible characters, blanks and obs-text; no controls.
bool is_extension_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

}  // namespace

void chunked_scanner::advance(char c) {
  switch (state_) {
    case state::size_first:
    case state::size: {
      int digit = hex_value(c);
      if (digit >= 0) {
        if (chunk_remaining_ >= max_chunk_size / 16) {
          fail();
          return;
        }
        chunk_remaining_ = chunk_remaining_ * 16 + static_cast<std::uint64_t>(digit);
        state_ = state::size;
      } else if (state_ == state::size_first) {
        fail();
      } else if (c == ';') {
        state_ = state::extension;
      } else if (c == '\r') {
        state_ = state::size_lf;
      } else if (is_blank(c)) {
        state_ = state::size_ws;  // BWS, allowed only before an extension
      } else {
        fail();
      }
      return;
    }
    case state::size_ws:
      if (c == ';') {
        state_ = state::extension;
      } else if (!is_blank(c)) {
        fail();
      }
      return;
    case state::extension:
      if (c == '\r') {
        state_ = state::size_lf;
      } else if (!is_extension_char(c)) {
        fail();
      }
      return;
    case state::size_lf:
      if (c != '\n') {
        fail();
        return;
      }
      state_ = chunk_remaining_ == 0 ? state::trailer_start : state::data;
      return;
    case state::data_cr:
      state_ = c == '\r' ? state::data_lf : state::error;
      return;
    case state::data_lf:
      state_ = c == '\n' ? state::size_first : state::error;
      return;
    case state::trailer_start:
      if (c == '\r') {
        state_ = state::final_lf;
      } else if (is_token_char(c)) {
        state_ = state::trailer_name;
      } else {
        fail();  // obs-fold, a bare LF or a line that is no field
      }
      return;
    case state::trailer_name:
      if (c == ':') {
        state_ = state::trailer_value;
      } else if (!is_token_char(c)) {
        fail();
      }
      return;
    case state::trailer_value:
      if (c == '\r') {
        state_ = state::trailer_lf;
      } else if (!is_field_value_char(c)) {
        fail();
      }
      return;
    case state::trailer_lf:
      state_ = c == '\n' ? state::trailer_start : state::error;
      return;
    case state::final_lf:
      state_ = c == '\n' ? state::done : state::error;
      return;
    case state::data:
    case state::done:
    case state::error:
      return;
  }
}

bool chunked_scanner::take_plain_size_line(std::string_view input, std::size_t& i) {
  // At most 13 digits: below 16^13 = 2^52, so none of them trips the overflow check
  // advance() applies; longer sizes (leading zeros) take the byte-wise path.
  constexpr std::size_t max_fast_digits = 13;
  std::size_t j = i;
  std::uint64_t size = 0;
  while (j < input.size() && j - i < max_fast_digits) {
    const int digit = hex_value(input[j]);
    if (digit < 0) {
      break;
    }
    size = size * 16 + static_cast<std::uint64_t>(digit);
    ++j;
  }
  if (j == i || input.size() - j < 2 || input[j] != '\r' || input[j + 1] != '\n') {
    return false;
  }
  chunk_remaining_ = size;
  line_bytes_ = j - i + 1;  // digits and CR, as the byte-wise path counts them
  state_ = size == 0 ? state::trailer_start : state::data;
  i = j + 2;
  return true;
}

chunk_step chunked_scanner::step(std::string_view input) {
  std::size_t i = 0;
  while (i < input.size() && state_ != state::done && state_ != state::error) {
    // The common framing, "\r\n" after a payload and a bare "HEX\r\n" size line,
    // in one go when it is all in the input; everything else byte by byte.
    if (state_ == state::data_cr && input.size() - i >= 2 && input[i] == '\r' &&
        input[i + 1] == '\n') {
      state_ = state::size_first;
      i += 2;
      continue;
    }
    if (state_ == state::size_first && take_plain_size_line(input, i)) {
      continue;
    }
    if (state_ == state::data) {
      auto take =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk_remaining_, input.size() - i));
      chunk_remaining_ -= take;
      payload_bytes_ += take;
      if (chunk_remaining_ == 0) {
        state_ = state::data_cr;
      }
      return {i + take, input.substr(i, take)};
    }
    const bool in_size_line = state_ == state::size_first || state_ == state::size ||
                              state_ == state::size_ws || state_ == state::extension;
    const bool in_trailers = state_ >= state::trailer_start && state_ <= state::final_lf;
    if (state_ == state::size_first) {
      line_bytes_ = 0;
    }
    if ((in_size_line && ++line_bytes_ > max_line_bytes) ||
        (in_trailers && ++trailer_bytes_ > max_trailer_bytes)) {
      fail();
      break;
    }
    advance(input[i]);
    if (state_ == state::error) {
      break;  // the offending byte is not consumed
    }
    ++i;
  }
  return {i, {}};
}

std::size_t chunked_scanner::scan(std::string_view input) {
  std::size_t used = 0;
  while (used < input.size() && !done() && !failed()) {
    used += step(input.substr(used)).consumed;
  }
  return used;
}

}  // namespace quikedge::http
