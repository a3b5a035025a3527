// Where the HTTP/1 codec hands a connection over once it is HTTP/2: after the
// preface on a plain listener, after ALPN chose h2 on a TLS one. Worker only.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <cstdint>
#include <type_traits>

#include "http/session_context.hpp"
#include "util/byte_buffer.hpp"

namespace quikedge::h2 {

/// The client streams serve_h2 is instantiated for (not the unit tests' fakes).
template <class Stream>
inline constexpr bool has_h2_transport =
    std::is_same_v<Stream, boost::asio::ip::tcp::socket> ||
    std::is_same_v<Stream, boost::asio::ssl::stream<boost::asio::ip::tcp::socket>>;

/// Starts an HTTP/2 session on `stream`, which takes over the connection's
/// slot in session_context::open_connections. `already_read` starts with the
/// client preface (plain) or is empty (TLS).
template <class Stream>
void serve_h2(http::session_context& context, Stream stream, const boost::asio::ip::address& client,
              bool tls, std::uint16_t listener, util::byte_buffer already_read);

/// True when the listener's config turns HTTP/2 on.
[[nodiscard]] bool listener_speaks_h2(const http::session_context& context, std::uint16_t listener);

}  // namespace quikedge::h2
