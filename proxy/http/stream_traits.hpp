// What the session and the tunnel need to know about a client stream: whether it
// is TLS, the TCP socket under it (for cancel, shutdown and close), and how
// much to read at a time.
#pragma once

#include <cstddef>

namespace quikedge::http {

/// Grow a read buffer by at least this much per read; big enough that bodies
/// move in few syscalls, small enough that idle keep-alive connections stay cheap.
constexpr std::size_t read_chunk = 16 * 1024;

/// True for a TLS stream (it wraps a next layer), false for a plain socket.
template <class Stream>
constexpr bool is_tls_stream = requires(Stream& stream) {
  stream.next_layer();
};

/// The lowest layer of `stream`: the socket under a TLS stream, or the stream
/// itself when it has no layers (a plain socket, an in-memory test stream).
template <class Stream>
auto& lowest_socket(Stream& stream) {
  if constexpr (requires { stream.lowest_layer(); }) {
    return stream.lowest_layer();
  } else {
    return stream;
  }
}

}  // namespace quikedge::http
