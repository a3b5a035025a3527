// The request every connection sends, serialized once: sending it costs no formatting.
#pragma once

#include "load/options.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace quikedge::bench::load {

class request_template {
 public:
  explicit request_template(const bench_options& options);

  // The head, with the whole body appended when it is small.
  [[nodiscard]] std::string_view bytes() const { return bytes_; }
  // Body bytes to stream from the pattern block after bytes(): large bodies only.
  [[nodiscard]] std::uint64_t streamed_body() const { return streamed_body_; }
  // HEAD responses have no body whatever their headers say.
  [[nodiscard]] bool is_head() const { return is_head_; }

 private:
  std::string bytes_;
  std::uint64_t streamed_body_ = 0;
  bool is_head_ = false;
};

}  // namespace quikedge::bench::load
