// The /ws route of quikedge-upstream: an RFC 6455 WebSocket echo server.
//
// Handshake: GET with Connection: upgrade, Upgrade: websocket, Sec-WebSocket-Version: 13
// and a valid Sec-WebSocket-Key gets 101 with Sec-WebSocket-Accept and the X-Upstream
// header; anything else gets 400 (426 for another version or a plain GET).
//
// Echo: every data frame is echoed as a frame with the same opcode, FIN bit and length,
// unmasked, streamed as its payload arrives. A fragmented message therefore comes back
// fragmented the same way, and a message of any size costs constant memory (one read
// buffer and one 64 KiB output batch). Pings get pongs with the same payload, pongs are
// ignored, a close is answered with a close carrying the same code (and reason), after
// which the server closes the TCP connection. Protocol errors (unmasked client frame,
// RSV bits, unknown opcode, fragmented or oversized control frame, a continuation
// without a message or a new message inside one, a bad close code) get close 1002.
// Text payloads are echoed byte for byte, without UTF-8 validation: the client that
// receives the echo validates them.
#pragma once

#include "upstream/request_parser.hpp"

#include <boost/asio/awaitable.hpp>

namespace quikedge::bench::upstream {

class connection;

// Answers a request for /ws: the handshake, then the echo until the WebSocket closes.
// Returns false when the connection must close once out() is written (always after a
// WebSocket). Worker only.
boost::asio::awaitable<bool> answer_websocket(connection& conn, const request_head& head,
                                              bool keep_alive);

}  // namespace quikedge::bench::upstream
