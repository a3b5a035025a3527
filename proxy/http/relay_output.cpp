// Gathering of relay writes.
#include "http/relay_output.hpp"

namespace quikedge::http {

void relay_output::clear() {
  own_.clear();
  pieces_.clear();
  size_ = 0;
}

void relay_output::append_own(std::string_view bytes) {
  if (bytes.empty()) {
    return;
  }
  if (!pieces_.empty() && pieces_.back().own) {
    pieces_.back().size += bytes.size();  // own_ pieces are contiguous
  } else {
    pieces_.push_back({nullptr, own_.size(), bytes.size(), true});
  }
  own_.append(bytes);
  size_ += bytes.size();
}

void relay_output::append_payload(std::string_view bytes) {
  if (bytes.size() < copy_below) {
    append_own(bytes);
    return;
  }
  pieces_.push_back({bytes.data(), 0, bytes.size(), false});
  size_ += bytes.size();
}

}  // namespace quikedge::http
