// Route dispatch and the responses that fit in memory: default body, status, delay,
// close, health, headers, conn, stats.
#include "upstream/handlers.hpp"

#include "common/http_text.hpp"
#include "upstream/connection.hpp"
#include "upstream/response_head.hpp"
#include "upstream/stream_handlers.hpp"
#include "upstream/ws_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <string>

namespace quikedge::bench::upstream {
namespace {

namespace asio = boost::asio;

response_spec spec_for(const request_head& head, int status, bool keep_alive) {
  response_spec spec;
  spec.status = status;
  spec.keep_alive = keep_alive;
  spec.http10_client = head.http10;
  return spec;
}

// Queues a response with a small body built by the caller (never a view of the input:
// the body of the request is read first, which may overwrite the input buffer).
asio::awaitable<bool> answer_text(connection& conn, const request_head& head, int status,
                                  std::string body, bool keep_alive,
                                  std::string_view content_type = "text/plain") {
  if (!co_await conn.body().discard()) {
    co_return false;
  }
  response_spec spec = spec_for(head, status, keep_alive);
  spec.content_length = body.size();
  spec.content_type = content_type;
  append_response_head(conn.out(), spec, conn.context().extra_headers());
  if (!head.is_head && !status_has_no_body(status)) {
    conn.out().append(body);
  }
  co_return keep_alive;
}

// The default body (name or --body-size pattern) with any status; the body has been read.
asio::awaitable<bool> answer_default(connection& conn, const request_head& head, int status,
                                     bool keep_alive) {
  const upstream_context& context = conn.context();
  if (!context.default_body_in_memory()) {
    co_return co_await answer_pattern(conn, head, status, context.default_body_size(), keep_alive);
  }
  response_spec spec = spec_for(head, status, keep_alive);
  spec.content_length = context.default_body_size();
  append_response_head(conn.out(), spec, context.extra_headers());
  if (!head.is_head && !status_has_no_body(status)) {
    conn.out().append(context.default_body());
  }
  co_return keep_alive;
}

// Each request header line exactly as received, one per line.
std::string header_lines(const request_head& head) {
  std::string text;
  std::string_view rest = head.header_block;
  std::string_view line;
  while (next_line(rest, line)) {
    text.append(line);
    text.push_back('\n');
  }
  return text;
}

std::string stats_json(const upstream_context& context) {
  return "{\"connections_accepted\":" + std::to_string(context.connections_accepted()) +
         ",\"requests\":" + std::to_string(context.total_requests()) +
         ",\"websockets\":" + std::to_string(context.websockets_open()) + "}\n";
}

asio::awaitable<bool> answer_delay(connection& conn, const request_head& head,
                                   std::uint64_t milliseconds, bool keep_alive) {
  if (!co_await conn.body().discard()) {
    co_return false;
  }
  if (!co_await conn.flush()) {
    co_return false;
  }
  // A timer, not a sleep: the worker keeps serving its other connections meanwhile.
  asio::steady_timer timer(conn.executor(), std::chrono::milliseconds(milliseconds));
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return co_await answer_default(conn, head, 200, keep_alive);
}

}  // namespace

bool try_fast_response(connection& conn, const request_head& head, const route& target,
                       bool last_on_connection) {
  if (target.kind != route_kind::default_body || head.body != body_kind::none || head.http10 ||
      !head.keep_alive || last_on_connection || !conn.context().default_body_in_memory()) {
    return false;
  }
  conn.out().append(head.is_head ? conn.context().fast_head_response()
                                 : conn.context().fast_response());
  return true;
}

asio::awaitable<bool> handle_request(connection& conn, const request_head& head,
                                     const route& target, bool last_on_connection) {
  const bool keep = head.keep_alive && !last_on_connection;
  if (head.expect_continue) {
    // Sent with the next write, which happens before the body is read from the socket.
    append_continue(conn.out());
  }
  switch (target.kind) {
    case route_kind::default_body:
      break;
    case route_kind::status:
      if (!co_await conn.body().discard()) {
        co_return false;
      }
      co_return co_await answer_default(conn, head, static_cast<int>(target.number), keep);
    case route_kind::delay:
      co_return co_await answer_delay(conn, head, target.number, keep);
    case route_kind::echo:
      co_return co_await answer_echo(conn, head, keep);
    case route_kind::chunked:
      if (!co_await conn.body().discard()) {
        co_return false;
      }
      co_return co_await answer_chunked(conn, head, target.number, target.size, keep);
    case route_kind::bytes:
      if (!co_await conn.body().discard()) {
        co_return false;
      }
      co_return co_await answer_pattern(conn, head, 200, target.number, keep);
    case route_kind::close:
      if (!co_await conn.body().discard()) {
        co_return false;
      }
      co_return co_await answer_default(conn, head, 200, false);
    case route_kind::headers:
      co_return co_await answer_text(conn, head, 200, header_lines(head), keep);
    case route_kind::health: {
      const bool healthy = conn.context().healthy();
      co_return co_await answer_text(conn, head, healthy ? 200 : 503, healthy ? "ok" : "unhealthy",
                                     keep);
    }
    case route_kind::conn:
      co_return co_await answer_text(conn, head, 200, std::to_string(conn.serial()) + "\n", keep);
    case route_kind::stats:
      co_return co_await answer_text(conn, head, 200, stats_json(conn.context()), keep,
                                     "application/json");
    case route_kind::websocket:
      co_return co_await answer_websocket(conn, head, keep);
    case route_kind::bad_request:
      co_return co_await answer_text(conn, head, 400, "bad number in path or query\n", keep);
  }
  if (!co_await conn.body().discard()) {
    co_return false;
  }
  co_return co_await answer_default(conn, head, 200, keep);
}

}  // namespace quikedge::bench::upstream
