// Incremental decoder of a chunked message body (RFC 9112 section 7.1), shared by the
// upstream (request bodies) and the load generator (response bodies).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace quikedge::bench {

class chunked_decoder {
 public:
  struct step {
    std::size_t consumed = 0;  // input bytes used, including `data`
    std::string_view data;     // body bytes found: a sub-view of the input
  };

  // Decodes from `in` and stops after the first run of body bytes, so the caller can
  // stream it without copying. Call again with the unconsumed rest. When a step returns
  // no data and the input is used up, read more; stop at done() or failed().
  step next(std::string_view in) {
    std::size_t i = 0;
    while (i < in.size()) {
      const char c = in[i];
      switch (state_) {
        case state::size: {
          const int digit = hex_value(c);
          if (digit >= 0) {
            // 15 hex digits is 2^60 bytes: more is an overflow, not a real body.
            if (++digits_ > 15) {
              return fail(i);
            }
            remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(digit);
            ++i;
          } else if (digits_ == 0) {
            return fail(i);
          } else if (c == ';' || c == ' ' || c == '\t') {
            state_ = state::extension;
            ++i;
          } else if (c == '\r') {
            state_ = state::size_lf;
            ++i;
          } else if (c == '\n') {
            ++i;
            end_size_line();
          } else {
            return fail(i);
          }
          break;
        }
        case state::extension:
          // Extensions are skipped; the cap keeps a hostile peer from streaming one forever.
          if (c == '\r') {
            state_ = state::size_lf;
          } else if (c == '\n') {
            end_size_line();
          } else if (++line_length_ > max_line_) {
            return fail(i);
          }
          ++i;
          break;
        case state::size_lf:
          if (c != '\n') {
            return fail(i);
          }
          ++i;
          end_size_line();
          break;
        case state::data: {
          const std::size_t n =
              static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - i));
          remaining_ -= n;
          if (remaining_ == 0) {
            state_ = state::data_cr;
          }
          return {i + n, in.substr(i, n)};
        }
        case state::data_cr:
          if (c == '\r') {
            state_ = state::data_lf;
          } else if (c == '\n') {
            start_size_line();
          } else {
            return fail(i);
          }
          ++i;
          break;
        case state::data_lf:
          if (c != '\n') {
            return fail(i);
          }
          ++i;
          start_size_line();
          break;
        case state::trailer_start:
          if (c == '\r') {
            state_ = state::final_lf;
            ++i;
          } else if (c == '\n') {
            state_ = state::done;
            return {i + 1, {}};
          } else {
            state_ = state::trailer_line;
          }
          break;
        case state::trailer_line:
          if (c == '\n') {
            state_ = state::trailer_start;
          }
          if (++line_length_ > max_line_ * 4) {
            return fail(i);
          }
          ++i;
          break;
        case state::final_lf:
          if (c != '\n') {
            return fail(i);
          }
          state_ = state::done;
          return {i + 1, {}};
        case state::done:
        case state::failed:
          return {i, {}};
      }
    }
    return {i, {}};
  }

  [[nodiscard]] bool done() const { return state_ == state::done; }
  [[nodiscard]] bool failed() const { return state_ == state::failed; }

  void reset() {
    state_ = state::size;
    remaining_ = 0;
    digits_ = 0;
    line_length_ = 0;
  }

 private:
  enum class state {
    size,
    extension,
    size_lf,
    data,
    data_cr,
    data_lf,
    trailer_start,
    trailer_line,
    final_lf,
    done,
    failed
  };
  static constexpr std::size_t max_line_ = 4096;

  static int hex_value(char c) {
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

  void start_size_line() {
    state_ = state::size;
    remaining_ = 0;
    digits_ = 0;
    line_length_ = 0;
  }

  void end_size_line() {
    line_length_ = 0;
    state_ = remaining_ == 0 ? state::trailer_start : state::data;
  }

  step fail(std::size_t i) {
    state_ = state::failed;
    return {i, {}};
  }

  state state_ = state::size;
  std::uint64_t remaining_ = 0;
  int digits_ = 0;
  std::size_t line_length_ = 0;
};

}  // namespace quikedge::bench
