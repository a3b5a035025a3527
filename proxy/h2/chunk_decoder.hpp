// Turns the canonical chunked body the upstream exchange writes (size line,
// payload, CRLF, ..., "0\r\n\r\n": no extensions, no trailers, see
// http/body_relay.hpp) back into payload runs for HTTP/2 DATA frames, which
// carry no chunk framing. Streaming: a chunk may span writes. Pure.
#pragma once

#include <cstdint>
#include <string_view>

namespace quikedge::h2 {

class chunk_decoder {
 public:
  /// Calls `emit(std::string_view)` for each payload run in `input` (views into
  /// it). Returns false on bytes that are not canonical chunked framing.
  template <class Emit>
  bool feed(std::string_view input, Emit&& emit) {
    while (!input.empty()) {
      if (state_ == state::data) {
        const auto take = static_cast<std::size_t>(
            remaining_ < input.size() ? remaining_ : static_cast<std::uint64_t>(input.size()));
        emit(input.substr(0, take));
        input.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) {
          state_ = state::data_crlf;
          crlf_seen_ = 0;
        }
        continue;
      }
      if (!step(input.front())) {
        return false;
      }
      input.remove_prefix(1);
    }
    return true;
  }

  /// The last chunk and its blank line went by.
  [[nodiscard]] bool done() const { return state_ == state::done; }

 private:
  enum class state : std::uint8_t { size_line, data, data_crlf, last_crlf, done };
  /// One framing byte.
  bool step(char c);

  state state_ = state::size_line;
  std::uint64_t remaining_ = 0;
  std::uint64_t size_ = 0;
  int digits_ = 0;
  bool cr_ = false;
  int crlf_seen_ = 0;
};

}  // namespace quikedge::h2
