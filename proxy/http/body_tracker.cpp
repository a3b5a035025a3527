// Body boundary tracking for Content-Length, chunked and close-delimited bodies.
#include "http/body_tracker.hpp"

#include <algorithm>

namespace quikedge::http {

void body_tracker::start(body_framing framing, std::uint64_t content_length) {
  framing_ = framing;
  remaining_ = content_length;
  passed_ = 0;
  chunks_.reset();
  failed_ = false;
  complete_ = framing == body_framing::none ||
              (framing == body_framing::content_length && content_length == 0);
}

std::size_t body_tracker::take(std::string_view available) {
  if (complete_ || failed_) {
    return 0;
  }
  switch (framing_) {
    case body_framing::none:
      return 0;
    case body_framing::content_length: {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, available.size()));
      remaining_ -= n;
      passed_ += n;
      complete_ = remaining_ == 0;
      return n;
    }
    case body_framing::chunked: {
      std::size_t n = chunks_.scan(available);
      failed_ = chunks_.failed();
      complete_ = chunks_.done();
      return n;
    }
    case body_framing::until_close:
      passed_ += available.size();
      return available.size();
  }
  return 0;
}

void body_tracker::on_eof() {
  if (framing_ == body_framing::until_close) {
    complete_ = true;
  } else if (!complete_) {
    failed_ = true;
  }
}

std::uint64_t body_tracker::payload_bytes() const {
  return framing_ == body_framing::chunked ? chunks_.payload_bytes() : passed_;
}

}  // namespace quikedge::http
