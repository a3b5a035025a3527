// Body relay for Content-Length, chunked and close-delimited bodies.
#include "http/body_relay.hpp"

#include <algorithm>
#include <array>

namespace quikedge::http {
namespace {

/// "HEX\r\n" for a chunk of `size` bytes.
std::string_view chunk_size_line(std::uint64_t size, std::array<char, 24>& storage) {
  static constexpr char digits[] = "0123456789abcdef";
  std::size_t pos = storage.size();
  storage[--pos] = '\n';
  storage[--pos] = '\r';
  do {
    storage[--pos] = digits[size & 0xf];
    size >>= 4;
  } while (size != 0);
  return {storage.data() + pos, storage.size() - pos};
}

}  // namespace

void body_relay::start(body_framing framing, std::uint64_t content_length) {
  framing_ = framing;
  remaining_ = content_length;
  passed_ = 0;
  chunks_.reset();
  failed_ = false;
  complete_ = framing == body_framing::none ||
              (framing == body_framing::content_length && content_length == 0);
}

std::size_t body_relay::take(std::string_view input, relay_output& out) {
  out.clear();
  if (complete_ || failed_) {
    return 0;
  }
  switch (framing_) {
    case body_framing::none:
      return 0;
    case body_framing::content_length: {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
      remaining_ -= n;
      passed_ += n;
      complete_ = remaining_ == 0;
      out.append_payload(input.substr(0, n));
      return n;
    }
    case body_framing::chunked:
      return take_chunked(input, out);
    case body_framing::until_close:
      passed_ += input.size();
      out.append_payload(input);
      return input.size();
  }
  return 0;
}

std::size_t body_relay::take_chunked(std::string_view input, relay_output& out) {
  // All payload found in this input goes out as one chunk: its size is known
  // only after the scan, so the pieces are collected first. A piece is a view
  // into `input`, which stays put until the caller consumes it.
  pieces_.clear();
  std::uint64_t chunk_size = 0;
  std::size_t used = 0;
  while (used < input.size() && !chunks_.done() && !chunks_.failed()) {
    chunk_step step = chunks_.step(input.substr(used));
    used += step.consumed;
    if (!step.payload.empty()) {
      pieces_.push_back(step.payload);
      chunk_size += step.payload.size();
    }
  }
  failed_ = chunks_.failed();
  if (failed_) {
    out.clear();  // nothing of a broken body is forwarded past the breakage point
    return used;
  }
  if (chunk_size > 0) {
    std::array<char, 24> line;
    out.append_own(chunk_size_line(chunk_size, line));
    for (std::string_view piece : pieces_) {
      out.append_payload(piece);
    }
    out.append_own("\r\n");
  }
  complete_ = chunks_.done();
  if (complete_) {
    out.append_own("0\r\n\r\n");
  }
  return used;
}

void body_relay::on_eof() {
  if (framing_ == body_framing::until_close) {
    complete_ = true;
  } else if (!complete_) {
    failed_ = true;
  }
}

std::uint64_t body_relay::payload_bytes() const {
  return framing_ == body_framing::chunked ? chunks_.payload_bytes() : passed_;
}

std::uint64_t body_relay::announced_bytes() const {
  return framing_ == body_framing::chunked ? chunks_.announced_bytes() : passed_;
}

}  // namespace quikedge::http
