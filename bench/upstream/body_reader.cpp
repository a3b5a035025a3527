// Request body reading for quikedge-upstream.
#include "upstream/body_reader.hpp"

#include "upstream/connection.hpp"

#include <algorithm>

namespace quikedge::bench::upstream {

void body_reader::start(body_kind kind, std::uint64_t content_length) {
  kind_ = kind;
  remaining_ = content_length;
  decoder_.reset();
  failed_ = false;
  done_ = kind == body_kind::none || (kind == body_kind::length && content_length == 0);
}

boost::asio::awaitable<std::string_view> body_reader::next() {
  byte_buffer& in = conn_.input();
  while (!done_ && !failed_) {
    if (in.empty()) {
      const bool more = co_await conn_.read_more(false);
      if (!more) {
        failed_ = true;
        break;
      }
    }
    if (kind_ == body_kind::length) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
      const std::string_view run(in.data(), n);
      in.consume(n);
      remaining_ -= n;
      done_ = remaining_ == 0;
      co_return run;
    }
    const http::chunk_step step = decoder_.step(in.view());
    in.consume(step.consumed);
    if (decoder_.failed()) {
      failed_ = true;
      break;
    }
    done_ = decoder_.done();
    if (!step.payload.empty()) {
      co_return step.payload;
    }
  }
  co_return std::string_view{};
}

boost::asio::awaitable<bool> body_reader::discard() {
  while (!done_ && !failed_) {
    co_await next();
  }
  co_return !failed_;
}

}  // namespace quikedge::bench::upstream
