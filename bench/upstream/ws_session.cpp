// WebSocket handshake and echo loop of quikedge-upstream.
#include "upstream/ws_session.hpp"

#include "common/http_text.hpp"
#include "common/websocket.hpp"
#include "upstream/connection.hpp"
#include "upstream/response_head.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace quikedge::bench::upstream {
namespace {

namespace asio = boost::asio;

// What the handshake needs from the request head, copied out before the body is read
// (which may overwrite the input buffer the head's views point into).
struct handshake_request {
  bool upgrade_websocket = false;  // Upgrade: websocket (and Connection: upgrade)
  std::string key;
  std::string version;
};

handshake_request read_handshake(const request_head& head) {
  handshake_request request;
  bool websocket_token = false;
  std::string_view rest = head.header_block;
  std::string_view line;
  while (next_line(rest, line)) {
    std::string_view name;
    std::string_view value;
    if (!split_header(line, name, value)) {
      continue;
    }
    if (iequals(name, "upgrade")) {
      websocket_token |= list_contains_token(value, "websocket");
    } else if (iequals(name, "sec-websocket-key")) {
      request.key = std::string(value);
    } else if (iequals(name, "sec-websocket-version")) {
      request.version = std::string(value);
    }
  }
  request.upgrade_websocket = head.upgrade && websocket_token;
  return request;
}

// A refusal with a short text body; the connection stays usable when `keep_alive`.
bool refuse(connection& conn, const request_head& head, int status, std::string_view body,
            bool keep_alive) {
  std::string headers(conn.context().extra_headers());
  if (status == 426) {
    headers.append("Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
  }
  response_spec spec;
  spec.status = status;
  spec.keep_alive = keep_alive;
  spec.http10_client = head.http10;
  spec.content_length = body.size();
  append_response_head(conn.out(), spec, headers);
  if (!head.is_head) {
    conn.out().append(body);
  }
  return keep_alive;
}

// Counts the open WebSockets of the process for /stats, for as long as it lives.
class open_websocket {
 public:
  explicit open_websocket(upstream_context& context) : context_(context) {
    context_.websocket_opened();
  }
  ~open_websocket() { context_.websocket_closed(); }
  open_websocket(const open_websocket&) = delete;
  open_websocket& operator=(const open_websocket&) = delete;

 private:
  upstream_context& context_;
};

void append_close(std::string& out, std::uint16_t code, std::string_view reason = {}) {
  ws::append_frame_header(out, true, ws::op_close, 2 + reason.size());
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xff));
  out.append(reason);
}

// A close code a peer may send (RFC 6455 section 7.4): 1000-1003, 1007-1011 (1012-1014
// are registered since), 3000-4999. 1004-1006 and 1015 must never be on the wire.
bool valid_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) {
    return true;
  }
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

// The echo loop, once the 101 is in conn.out(). Returns when the WebSocket is over:
// out() then holds what is left to send (a close frame), and the caller closes.
class echo_session {
 public:
  explicit echo_session(connection& conn) : conn_(conn), in_(conn.input()), out_(conn.out()) {}

  asio::awaitable<void> run() {
    for (;;) {
      ws::frame_header frame;
      ws::header_status status;
      while ((status = ws::parse_frame_header(in_.view(), frame)) ==
             ws::header_status::incomplete) {
        // read_more() writes out() first: echoes never wait for the next frame.
        if (!co_await conn_.read_more(false)) {
          co_return;  // the client went away without a close
        }
      }
      if (status == ws::header_status::invalid || !acceptable(frame)) {
        append_close(out_, ws::close_protocol_error);
        co_return;
      }
      in_.consume(frame.size);
      if (frame.is_control()) {
        const bool go_on = co_await control_frame(frame);
        if (!go_on) {
          co_return;
        }
        continue;
      }
      in_message_ = !frame.fin;
      ws::append_frame_header(out_, frame.fin, frame.op, frame.length);
      if (!co_await echo_payload(frame)) {
        co_return;
      }
    }
  }

 private:
  // Frame-level protocol checks; false: answer 1002.
  bool acceptable(const ws::frame_header& frame) const {
    if (frame.rsv != 0 || !frame.masked) {
      return false;  // no extension was negotiated; clients must mask (section 5.1)
    }
    switch (frame.op) {
      case ws::op_continuation:
        return in_message_;
      case ws::op_text:
      case ws::op_binary:
        return !in_message_;
      case ws::op_close:
      case ws::op_ping:
      case ws::op_pong:
        return frame.fin && frame.length <= 125;
      default:
        return false;
    }
  }

  // Streams the payload back unmasked, in batches of connection::batch_limit.
  asio::awaitable<bool> echo_payload(const ws::frame_header& frame) {
    std::uint64_t offset = 0;
    while (offset < frame.length) {
      if (in_.empty()) {
        if (!co_await conn_.read_more(false)) {
          co_return false;
        }
        continue;
      }
      const std::size_t room =
          connection::batch_limit > out_.size() ? connection::batch_limit - out_.size() : 0;
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(
          {frame.length - offset, in_.size(), std::max<std::size_t>(room, 1)}));
      const std::size_t old_size = out_.size();
      out_.resize(old_size + n);
      ws::apply_mask(in_.data(), out_.data() + old_size, n, frame.mask, offset);
      in_.consume(n);
      offset += n;
      if (out_.size() >= connection::batch_limit) {
        // Not inside the condition: g++ 12 miscompiles co_await in && and ||.
        const bool written = co_await conn_.flush();
        if (!written) {
          co_return false;
        }
      }
    }
    co_return true;
  }

  // Ping, pong or close, whose payload (at most 125 bytes) is read whole first.
  // Returns false when the WebSocket is over.
  asio::awaitable<bool> control_frame(const ws::frame_header& frame) {
    const auto length = static_cast<std::size_t>(frame.length);
    while (in_.size() < length) {
      if (!co_await conn_.read_more(false)) {
        co_return false;
      }
    }
    char payload[125];
    ws::apply_mask(in_.data(), payload, length, frame.mask, 0);
    in_.consume(length);
    switch (frame.op) {
      case ws::op_ping:
        ws::append_frame_header(out_, true, ws::op_pong, length);
        out_.append(payload, length);
        co_return true;
      case ws::op_pong:
        co_return true;
      default:
        break;
    }
    // Close: answer with the same code and reason, then the caller closes TCP.
    if (length == 0) {
      ws::append_frame_header(out_, true, ws::op_close, 0);
      co_return false;
    }
    if (length == 1) {
      append_close(out_, ws::close_protocol_error);
      co_return false;
    }
    const auto code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                                 static_cast<std::uint8_t>(payload[1]));
    if (!valid_close_code(code)) {
      append_close(out_, ws::close_protocol_error);
      co_return false;
    }
    append_close(out_, code, std::string_view(payload + 2, length - 2));
    co_return false;
  }

  connection& conn_;
  byte_buffer& in_;
  std::string& out_;
  bool in_message_ = false;  // a fragmented message has begun and not ended
};

}  // namespace

asio::awaitable<bool> answer_websocket(connection& conn, const request_head& head,
                                       bool keep_alive) {
  // Everything taken from the head before the body is read over its bytes.
  const handshake_request request = read_handshake(head);
  const bool is_get = head.method == "GET";
  if (!co_await conn.body().discard()) {
    co_return false;
  }
  if (!request.upgrade_websocket) {
    co_return refuse(conn, head, 426, "this path wants a WebSocket upgrade\n", keep_alive);
  }
  if (!is_get || head.http10 || head.body != body_kind::none) {
    co_return refuse(conn, head, 400, "a WebSocket upgrade is a GET without body\n", false);
  }
  if (request.version != "13") {
    co_return refuse(conn, head, 426, "only WebSocket version 13 is spoken here\n", keep_alive);
  }
  if (!ws::valid_key(request.key)) {
    co_return refuse(conn, head, 400, "bad Sec-WebSocket-Key\n", false);
  }
  std::string& out = conn.out();
  out.append("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
  out.append("Sec-WebSocket-Accept: ");
  out.append(ws::accept_value(request.key));
  out.append("\r\n");
  out.append(conn.context().extra_headers());
  out.append("\r\n");

  open_websocket counted(conn.context());
  echo_session session(conn);
  co_await session.run();
  co_return false;  // the connection flushes the close frame, then closes
}

}  // namespace quikedge::bench::upstream
