// De-chunks an upstream body the exchange's chunked_scanner has already
// validated; shares its hex digits with it.
#include "h2/chunk_decoder.hpp"

#include "http/char_classes.hpp"

namespace quikedge::h2 {

using http::hex_value;

bool chunk_decoder::step(char c) {
  static constexpr std::string_view crlf = "\r\n";
  switch (state_) {
    case state::size_line:
      if (cr_) {
        if (c != '\n' || digits_ == 0) {
          return false;
        }
        cr_ = false;
        digits_ = 0;
        if (size_ == 0) {
          state_ = state::last_crlf;
          crlf_seen_ = 0;
        } else {
          remaining_ = size_;
          state_ = state::data;
        }
        size_ = 0;
        return true;
      }
      if (c == '\r') {
        cr_ = true;
        return true;
      }
      if (hex_value(c) < 0 || digits_ >= 15) {
        return false;
      }
      size_ = size_ * 16 + static_cast<std::uint64_t>(hex_value(c));
      ++digits_;
      return true;
    case state::data_crlf:
    case state::last_crlf:
      if (c != crlf[static_cast<std::size_t>(crlf_seen_)]) {
        return false;
      }
      if (++crlf_seen_ == 2) {
        state_ = state_ == state::last_crlf ? state::done : state::size_line;
      }
      return true;
    case state::data:
      return true;  // handled by feed()
    case state::done:
      return false;  // nothing may follow the last chunk
  }
  return false;
}

}  // namespace quikedge::h2
