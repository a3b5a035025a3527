// Streaming responses of quikedge-upstream: /bytes, /chunked, /echo and large default bodies.
#include "upstream/stream_handlers.hpp"

#include "common/pattern.hpp"
#include "upstream/connection.hpp"
#include "upstream/response_head.hpp"

#include <boost/asio/buffer.hpp>

namespace quikedge::bench::upstream {
namespace {

namespace asio = boost::asio;

// Appends `length` pattern bytes starting at body offset `position`: small runs are
// batched in out(), large ones written straight from the static pattern block.
asio::awaitable<bool> send_pattern(connection& conn, std::uint64_t position, std::uint64_t length) {
  std::string& out = conn.out();
  while (length > 0) {
    const std::string_view run = pattern_slice(position, length);
    if (out.size() + run.size() <= connection::batch_limit) {
      out.append(run);
    } else if (!co_await conn.write(asio::buffer(run))) {
      co_return false;
    }
    position += run.size();
    length -= run.size();
  }
  co_return true;
}

}  // namespace

asio::awaitable<bool> answer_pattern(connection& conn, const request_head& head, int status,
                                     std::uint64_t size, bool keep_alive) {
  response_spec spec;
  spec.status = status;
  spec.keep_alive = keep_alive;
  spec.http10_client = head.http10;
  spec.content_length = size;
  append_response_head(conn.out(), spec, conn.context().extra_headers());
  if (head.is_head || status_has_no_body(status)) {
    co_return keep_alive;
  }
  const bool sent = co_await send_pattern(conn, 0, size);
  co_return sent&& keep_alive;
}

asio::awaitable<bool> answer_chunked(connection& conn, const request_head& head,
                                     std::uint64_t count, std::uint64_t size, bool keep_alive) {
  // A zero-size chunk would end the body early, so zero-size chunks are just left out.
  if (size == 0) {
    count = 0;
  }
  if (count != 0 && size > UINT64_MAX / count) {
    co_return co_await answer_pattern(conn, head, 400, 0, keep_alive);
  }
  if (head.http10) {
    co_return co_await answer_pattern(conn, head, 200, count * size, keep_alive);
  }
  response_spec spec;
  spec.keep_alive = keep_alive;
  spec.body_framing = framing::chunked;
  std::string& out = conn.out();
  append_response_head(out, spec, conn.context().extra_headers());
  if (head.is_head) {
    co_return keep_alive;
  }
  std::uint64_t position = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    append_chunk_size(out, size);
    if (!co_await send_pattern(conn, position, size)) {
      co_return false;
    }
    position += size;
    out.append("\r\n");
  }
  out.append("0\r\n\r\n");
  co_return keep_alive;
}

asio::awaitable<bool> answer_echo(connection& conn, const request_head& head, bool keep_alive) {
  response_spec spec;
  spec.keep_alive = keep_alive;
  spec.http10_client = head.http10;
  if (head.body == body_kind::length) {
    spec.content_length = head.content_length;
  } else if (head.body == body_kind::chunked) {
    // The length is unknown until the end: chunked, which an HTTP/1.0 client cannot
    // read, so it gets the body delimited by closing the connection.
    spec.body_framing = head.http10 ? framing::close_delimited : framing::chunked;
  }
  if (spec.body_framing == framing::close_delimited) {
    keep_alive = false;
    spec.keep_alive = false;
  }
  append_response_head(conn.out(), spec, conn.context().extra_headers());
  body_reader& body = conn.body();
  if (head.is_head) {
    const bool read = co_await body.discard();
    co_return read&& keep_alive;
  }
  const bool chunked = spec.body_framing == framing::chunked;
  for (;;) {
    // Each run is written before the next is read: memory stays one buffer whatever
    // the body size, and a slow reader slows the sender down (TCP backpressure).
    const std::string_view run = co_await body.next();
    if (run.empty()) {
      break;
    }
    if (chunked) {
      append_chunk_size(conn.out(), run.size());
    }
    if (!co_await conn.write(asio::buffer(run.data(), run.size()))) {
      co_return false;
    }
    if (chunked) {
      conn.out().append("\r\n");
    }
  }
  if (body.failed()) {
    co_return false;
  }
  if (chunked) {
    conn.out().append("0\r\n\r\n");
  }
  co_return keep_alive;
}

}  // namespace quikedge::bench::upstream
