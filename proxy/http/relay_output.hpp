// The bytes one relay write sends: views of payload still in the read buffer
// plus framing (and small payload runs) that the proxy wrote itself. Reused for
// every write of a session, so it stops allocating once warm. Worker only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace quikedge::http {

class relay_output {
 public:
  /// Payload shorter than this is copied next to the framing, so a body of tiny
  /// chunks becomes one contiguous write rather than thousands of iovecs.
  static constexpr std::size_t copy_below = 512;

  void clear();
  /// Bytes the proxy writes itself (chunk-size lines, CRLFs).
  void append_own(std::string_view bytes);
  /// Payload bytes, referenced in place when large enough.
  void append_payload(std::string_view bytes);

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }

  /// Calls `visit(std::string_view)` for each contiguous piece, in order. Views
  /// stay valid until the next change to this object or the read buffer.
  template <class Visitor>
  void for_each_piece(Visitor&& visit) const {
    for (const auto& piece : pieces_) {
      visit(piece.own ? std::string_view(own_).substr(piece.offset, piece.size)
                      : std::string_view(piece.data, piece.size));
    }
  }

 private:
  struct piece {
    const char* data = nullptr;  ///< payload in the read buffer (own == false)
    std::size_t offset = 0;      ///< into own_ (own == true)
    std::size_t size = 0;
    bool own = false;
  };

  std::string own_;  ///< offsets, not pointers, into it: it may grow
  std::vector<piece> pieces_;
  std::size_t size_ = 0;
};

}  // namespace quikedge::http
