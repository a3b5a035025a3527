// The WebSocket echo loop and the idle hold of one load connection.
#include "load/ws_client.hpp"

#include "common/http_text.hpp"
#include "common/pattern.hpp"
#include "common/websocket.hpp"
#include "load/response_parser.hpp"
#include "load/worker.hpp"
#include "load/ws_template.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cstring>

namespace quikedge::bench::load {
namespace {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The Sec-WebSocket-Accept value in a response head, or empty.
std::string_view accept_header(std::string_view head) {
  std::string_view line;
  next_line(head, line);  // status line
  while (next_line(head, line) && !line.empty()) {
    std::string_view name;
    std::string_view value;
    if (split_header(line, name, value) && iequals(name, "sec-websocket-accept")) {
      return value;
    }
  }
  return {};
}

}  // namespace

ws_client::ws_client(worker& owner, unsigned /*index*/) : load_client(owner) {}

asio::awaitable<void> ws_client::run() {
  if (owner_.plan().options->idle) {
    co_await run_idle();
  } else {
    co_await run_load();
  }
  owner_.client_done();
}

asio::awaitable<void> ws_client::run_load() {
  while (owner_.take_request()) {
    const bool measured = owner_.measuring();
    started_ = clock::now();
    expired_ = false;
    in_flight_ = true;
    outcome result = outcome::ok;
    if (!open_) {
      result = co_await open(measured);
    }
    // Latency counts from the send: the handshake of a new WebSocket is not part of it.
    const clock::time_point sent = clock::now();
    if (result == outcome::ok) {
      result = co_await exchange();
    }
    in_flight_ = false;
    if (owner_.stopping()) {
      break;  // abandoned at the deadline: neither a success nor an error
    }
    record(result, measured, sent);
    if (result != outcome::ok) {
      close();
      co_await pause_until(clock::now() + reconnect_backoff);
    }
  }
  if (open_) {
    // A polite end: close frame, then TCP close without waiting for the answer.
    const auto frame = owner_.plan().websocket->close_frame();
    boost::system::error_code ignored;
    asio::write(socket_, asio::buffer(frame.data(), frame.size()), ignored);
  }
  close();
}

asio::awaitable<void> ws_client::run_idle() {
  started_ = clock::now();
  in_flight_ = true;
  const outcome result = co_await open(true);
  in_flight_ = false;
  if (result != outcome::ok) {
    record(result, true, started_);
    close();
    if (!owner_.stopping()) {
      owner_.websocket_settled(false);
    }
    co_return;
  }
  owner_.websocket_settled(true);
  // Nothing is sent; a read completes only when the peer sends something (a close
  // frame) or closes, or when stop() closes the socket at the end of the hold.
  outcome ended = outcome::ok;
  while (ended == outcome::ok) {
    ended = co_await read_message(false);  // a message nobody asked for is skipped
  }
  if (!owner_.stopping()) {
    record(ended, true, started_);
  }
  close();
}

asio::awaitable<ws_client::outcome> ws_client::open(bool measured) {
  co_await owner_.acquire_open_slot(timer_);
  if (owner_.stopping()) {
    co_return outcome::connect_error;
  }
  // --timeout runs from here: waiting for a slot is not the target's doing.
  started_ = clock::now();
  outcome result = outcome::connect_error;
  const bool connected = co_await connect(measured);
  if (connected) {
    result = co_await handshake();
  }
  owner_.release_open_slot();
  if (result == outcome::ok) {
    open_ = true;
    ever_connected_ = true;
    if (measured) {
      ++owner_.stats().websockets.opened;
    }
  }
  co_return result;
}

asio::awaitable<ws_client::outcome> ws_client::handshake() {
  const ws_template& ws = *owner_.plan().websocket;
  const std::string_view request = ws.upgrade_request();
  auto [write_ec, written] =
      co_await asio::async_write(socket_, asio::buffer(request.data(), request.size()), use_tuple);
  if (write_ec) {
    co_return outcome::write_error;
  }
  const bench_options& options = *owner_.plan().options;
  response_head head;
  parse_result parsed;
  while ((parsed = parse_response_head(in_.view(), options.count_header, head)) ==
         parse_result::incomplete) {
    if (full(in_)) {
      co_return outcome::handshake_error;
    }
    if (!co_await read_more()) {
      co_return outcome::read_error;
    }
  }
  if (parsed == parse_result::bad_response || head.status != 101 ||
      accept_header(in_.view().substr(0, head.head_size)) != ws.expected_accept()) {
    co_return outcome::handshake_error;
  }
  if (!options.count_header.empty()) {
    // Tallied per WebSocket: which stack (or upstream) each one landed on.
    const std::size_t slot =
        owner_.stats().tally_slot(head.has_count_value ? head.count_value : "(none)");
    ++owner_.stats().tally[slot].second;
  }
  in_.consume(head.head_size);  // frames that came with the 101 stay in in_
  co_return outcome::ok;
}

asio::awaitable<ws_client::outcome> ws_client::exchange() {
  const std::string_view frame = owner_.plan().websocket->message_frame();
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(frame.data(), frame.size()), use_tuple);
  if (ec) {
    co_return outcome::write_error;
  }
  co_return co_await read_message(true);
}

asio::awaitable<ws_client::outcome> ws_client::read_message(bool check_echo) {
  const std::uint64_t expected = owner_.plan().websocket->message_size();
  std::uint64_t received = 0;
  bool in_message = false;
  for (;;) {
    ws::frame_header frame;
    ws::header_status status;
    while ((status = ws::parse_frame_header(in_.view(), frame)) == ws::header_status::incomplete) {
      if (!co_await read_more()) {
        co_return outcome::closed_by_peer;
      }
    }
    if (status == ws::header_status::invalid || frame.masked || frame.rsv != 0) {
      co_return outcome::parse_error;  // a server never masks, and nothing was negotiated
    }
    in_.consume(frame.size);
    if (frame.is_control()) {
      if (!frame.fin || frame.length > 125) {
        co_return outcome::parse_error;
      }
      while (in_.size() < frame.length) {
        if (!co_await read_more()) {
          co_return outcome::closed_by_peer;
        }
      }
      const std::string_view payload(in_.data(), static_cast<std::size_t>(frame.length));
      if (frame.op == ws::op_close) {
        peer_close_1001_ = payload.size() >= 2 && static_cast<std::uint8_t>(payload[0]) == 0x03 &&
                           static_cast<std::uint8_t>(payload[1]) == 0xe9;
        in_.consume(payload.size());
        co_return outcome::closed_by_peer;
      }
      in_.consume(payload.size());  // pings are not expected from an echo server: ignored
      continue;
    }
    const bool continuation = frame.op == ws::op_continuation;
    if (continuation != in_message || (!continuation && frame.op != ws::op_binary)) {
      co_return outcome::parse_error;
    }
    std::uint64_t left = frame.length;
    while (left > 0) {
      if (in_.empty()) {
        // Not in the condition above: g++ 12 miscompiles co_await inside && and ||.
        const bool more = co_await read_more();
        if (!more) {
          co_return outcome::closed_by_peer;
        }
      }
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, in_.size()));
      if (check_echo) {
        // Compare against the pattern the message was made of, run by run.
        if (received + n > expected) {
          co_return outcome::parse_error;
        }
        std::size_t done = 0;
        while (done < n) {
          const std::string_view want = pattern_slice(received + done, n - done);
          if (std::memcmp(in_.data() + done, want.data(), want.size()) != 0) {
            co_return outcome::parse_error;
          }
          done += want.size();
        }
      }
      in_.consume(n);
      left -= n;
      received += n;
    }
    if (frame.fin) {
      if (check_echo && received != expected) {
        co_return outcome::parse_error;
      }
      co_return outcome::ok;
    }
    in_message = true;
  }
}

void ws_client::count_closed_by_peer(run_stats& stats) {
  if (open_) {
    ++stats.websockets.closed_by_peer;
    stats.websockets.close_1001 += peer_close_1001_ ? 1 : 0;
  }
}

void ws_client::stop() {
  if (open_) {
    ++owner_.stats().websockets.open_at_end;
  }
  load_client::stop();
}

void ws_client::close() {
  load_client::close();
  open_ = false;
  peer_close_1001_ = false;
}

}  // namespace quikedge::bench::load
