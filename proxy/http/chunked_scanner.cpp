// State machine over chunked transfer coding (RFC 9112 section 7.1).
#include "http/chunked_scanner.hpp"

#include <algorithm>

namespace quikedge::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Larger chunks are never legitimate and would overflow the running total.
constexpr std::uint64_t max_chunk_size = std::uint64_t{1} << 56;

}  // namespace

std::size_t chunked_scanner::scan(std::string_view input) {
  std::size_t i = 0;
  while (i < input.size() && state_ != state::done && state_ != state::error) {
    char c = input[i];
    switch (state_) {
      case state::size_first:
      case state::size: {
        int digit = hex_value(c);
        if (digit >= 0) {
          if (chunk_remaining_ >= max_chunk_size / 16) {
            state_ = state::error;
            return i;
          }
          chunk_remaining_ = chunk_remaining_ * 16 + static_cast<std::uint64_t>(digit);
          state_ = state::size;
        } else if (state_ == state::size_first) {
          state_ = state::error;
          return i;
        } else if (c == ';') {
          state_ = state::extension;
        } else if (c == '\r') {
          state_ = state::size_lf;
        } else if (c == '\n') {
          state_ = chunk_remaining_ == 0 ? state::trailer_start : state::data;
        } else if (c == ' ' || c == '\t') {
          state_ = state::extension;  // BWS before an extension
        } else {
          state_ = state::error;
          return i;
        }
        ++i;
        break;
      }
      case state::extension:
        if (c == '\r') {
          state_ = state::size_lf;
        } else if (c == '\n') {
          state_ = chunk_remaining_ == 0 ? state::trailer_start : state::data;
        } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          state_ = state::error;
          return i;
        }
        ++i;
        break;
      case state::size_lf:
        if (c != '\n') {
          state_ = state::error;
          return i;
        }
        state_ = chunk_remaining_ == 0 ? state::trailer_start : state::data;
        ++i;
        break;
      case state::data: {
        std::uint64_t take = std::min<std::uint64_t>(chunk_remaining_, input.size() - i);
        chunk_remaining_ -= take;
        payload_bytes_ += take;
        i += static_cast<std::size_t>(take);
        if (chunk_remaining_ == 0) {
          state_ = state::data_cr;
        }
        break;
      }
      case state::data_cr:
        if (c == '\r') {
          state_ = state::data_lf;
        } else if (c == '\n') {
          state_ = state::size_first;
        } else {
          state_ = state::error;
          return i;
        }
        ++i;
        break;
      case state::data_lf:
        if (c != '\n') {
          state_ = state::error;
          return i;
        }
        state_ = state::size_first;
        ++i;
        break;
      case state::trailer_start:
        if (c == '\r') {
          state_ = state::final_lf;
        } else if (c == '\n') {
          state_ = state::done;
        } else {
          state_ = state::trailer_line;
        }
        ++i;
        break;
      case state::trailer_line:
        if (c == '\n') {
          state_ = state::trailer_start;
        } else if (c == '\r') {
          state_ = state::trailer_lf;
        }
        ++i;
        break;
      case state::trailer_lf:
        if (c != '\n') {
          state_ = state::error;
          return i;
        }
        state_ = state::trailer_start;
        ++i;
        break;
      case state::final_lf:
        if (c != '\n') {
          state_ = state::error;
          return i;
        }
        state_ = state::done;
        ++i;
        break;
      case state::done:
      case state::error:
        break;
    }
  }
  return i;
}

}  // namespace quikedge::http
