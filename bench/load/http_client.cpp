// The HTTP request/response loop of one load connection.
#include "load/http_client.hpp"

#include "common/pattern.hpp"
#include "load/response_parser.hpp"
#include "load/worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>

namespace quikedge::bench::load {
namespace {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

http_client::http_client(worker& owner, unsigned index) : load_client(owner) {
  const bench_options& options = *owner.plan().options;
  if (options.rate > 0) {
    // Each connection sends at rate/connections; first sends are spread over one
    // interval so that the connections do not fire in lockstep.
    paced_ = true;
    const double per_connection = options.rate / options.connections;
    interval_ = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(1.0 / per_connection));
    next_send_ = owner.plan().start + interval_ * index / options.connections;
  }
}

asio::awaitable<void> http_client::run() {
  while (owner_.take_request()) {
    clock::time_point scheduled;
    if (paced_) {
      // Latency counts from when the request was due, not from when it could be sent:
      // a slow response delays the next send, and that delay is part of what the next
      // request measures (no coordinated omission).
      if (clock::now() < next_send_) {
        co_await pause_until(next_send_);
        if (owner_.stopping()) {
          break;
        }
      }
      scheduled = next_send_;
      next_send_ += interval_;
    }
    const bool measured = owner_.measuring();
    started_ = clock::now();
    if (!paced_) {
      scheduled = started_;
    }
    expired_ = false;
    in_flight_ = true;
    response_info response;
    const outcome result = co_await exchange(measured, response);
    in_flight_ = false;
    if (owner_.stopping()) {
      break;  // abandoned at the deadline: neither a success nor an error
    }
    record_response(result, measured, scheduled, response);
    if (result != outcome::ok || !response.keep_alive) {
      close();
    }
    if (result == outcome::connect_error) {
      co_await pause_until(clock::now() + reconnect_backoff);
    }
  }
  close();
  owner_.client_done();
}

asio::awaitable<http_client::outcome> http_client::exchange(bool measured,
                                                            response_info& response) {
  if (!connected_) {
    const bool connected = co_await connect(measured);
    if (!connected) {
      co_return outcome::connect_error;
    }
    connected_ = true;
    ever_connected_ = true;
  }
  if (!co_await send_request()) {
    co_return outcome::write_error;
  }
  co_return co_await read_response(measured, response);
}

asio::awaitable<bool> http_client::send_request() {
  const request_template& request = *owner_.plan().request;
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(request.bytes()), use_tuple);
  std::uint64_t position = 0;
  while (!ec && position < request.streamed_body()) {
    const std::string_view run = pattern_slice(position, request.streamed_body() - position);
    std::tie(ec, n) = co_await asio::async_write(socket_, asio::buffer(run), use_tuple);
    position += run.size();
  }
  co_return !ec;
}

asio::awaitable<http_client::outcome> http_client::read_response(bool measured,
                                                                 response_info& response) {
  const bench_options& options = *owner_.plan().options;
  response_head head;
  for (;;) {
    parse_result parsed;
    while ((parsed = parse_response_head(in_.view(), options.count_header, head)) ==
           parse_result::incomplete) {
      if (full(in_)) {
        co_return outcome::parse_error;  // a head larger than the whole buffer
      }
      if (!co_await read_more()) {
        co_return outcome::read_error;
      }
    }
    if (parsed == parse_result::bad_response) {
      co_return outcome::parse_error;
    }
    if (head.status == 101) {
      co_return outcome::parse_error;  // an upgrade nobody asked for
    }
    if (head.status >= 200) {
      break;
    }
    in_.consume(head.head_size);  // 1xx interim response (100 Continue): the final one follows
  }
  response.status = head.status;
  response.keep_alive = head.keep_alive;
  if (measured && !options.count_header.empty()) {
    // Resolved now: count_value points into the buffer that the body read reuses.
    response.tally_slot =
        owner_.stats().tally_slot(head.has_count_value ? head.count_value : "(none)");
  }
  in_.consume(head.head_size);

  const bool no_body = owner_.plan().request->is_head() || head.status == 204 || head.status == 304;
  if (no_body) {
    co_return outcome::ok;
  }
  if (head.chunked) {
    chunks_.reset();
    for (;;) {
      if (in_.empty()) {
        const bool more = co_await read_more();
        if (!more) {
          co_return outcome::read_error;
        }
      }
      in_.consume(chunks_.step(in_.view()).consumed);
      if (chunks_.failed()) {
        co_return outcome::parse_error;
      }
      if (chunks_.done()) {
        co_return outcome::ok;
      }
    }
  }
  if (head.has_content_length) {
    std::uint64_t remaining = head.content_length;
    for (;;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, in_.size()));
      in_.consume(n);
      remaining -= n;
      if (remaining == 0) {
        co_return outcome::ok;
      }
      if (!co_await read_more()) {
        co_return outcome::read_error;
      }
    }
  }
  // No length: the body ends when the server closes the connection.
  response.keep_alive = false;
  for (;;) {
    in_.clear();
    if (!co_await read_more()) {
      // Only a clean end of stream completes the body; a reset means it was cut short.
      co_return last_error_ == asio::error::eof ? outcome::ok : outcome::read_error;
    }
  }
}

void http_client::record_response(outcome result, bool measured, clock::time_point scheduled,
                                  const response_info& response) {
  if (!record(result, measured, scheduled)) {
    return;
  }
  run_stats& stats = owner_.stats();
  stats.count_status(response.status);
  if (response.tally_slot != SIZE_MAX) {
    ++stats.tally[response.tally_slot].second;
  }
}

void http_client::close() {
  load_client::close();
  connected_ = false;
}

}  // namespace quikedge::bench::load
