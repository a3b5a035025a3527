// PROXY protocol v1 and v2 header parser (haproxy doc/proxy-protocol.txt):
// pure, zero-copy, no I/O. Used by a worker's session before the first request.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace quikedge::http {

/// Longest v1 line, CRLF included ("PROXY UNKNOWN" with two full IPv6
/// addresses and ports); a line without CRLF by then is invalid.
inline constexpr std::size_t max_proxy_v1_bytes = 107;
/// Longest v2 header accepted: 16 fixed bytes plus addresses and TLVs. The
/// length field allows 64 KiB; every known sender (AWS, GCP, Azure, HAProxy with
/// SSL TLVs) stays far below 1 KiB, and a bound keeps a connection from holding
/// a large buffer before it has proved anything.
inline constexpr std::size_t max_proxy_v2_bytes = 1024;
/// Bytes a session must be able to buffer to see any valid header whole.
inline constexpr std::size_t max_proxy_header_bytes = max_proxy_v2_bytes;

enum class proxy_parse_status : std::uint8_t {
  ok,          ///< a whole, valid header: see proxy_header
  incomplete,  ///< a valid prefix so far: read more and parse again from the start
  invalid,     ///< not a valid header: close the connection (proxy_header::reason says why)
};

/// What a PROXY header says about the connection. Views point into the input.
struct proxy_header {
  std::size_t header_bytes = 0;  ///< bytes to consume; the request starts right after
  std::uint8_t version = 0;      ///< 1 or 2
  /// True when the header carries no client address: v2 LOCAL (the load
  /// balancer's own health checks), v2 PROXY with AF_UNSPEC, or v1 "UNKNOWN".
  /// The spec says to use the socket's own endpoints then. Note for
  /// trusted_proxies: that peer is the load balancer itself.
  bool local = false;
  /// The original client (source) and the address it connected to
  /// (destination). Set only when ok and !local. An IPv6 header may carry an
  /// IPv4-mapped address (::ffff:a.b.c.d); it is passed on as written.
  boost::asio::ip::tcp::endpoint source;
  boost::asio::ip::tcp::endpoint destination;
  /// v2 only: the TLV block after the addresses (checked to be well formed,
  /// not interpreted). Empty for v1, LOCAL and AF_UNSPEC.
  std::string_view tlvs;
  /// On invalid: a short static reason for the debug log, e.g. "bad v2 signature".
  std::string_view reason;
};

/// Parses a PROXY protocol header at the start of `input` (the first bytes the
/// connection sent). Stateless: after `incomplete`, call again with the longer
/// input. Accepts v1 TCP4, TCP6 and UNKNOWN, and v2 LOCAL, and PROXY over
/// TCP/IPv4, TCP/IPv6 or AF_UNSPEC.
///
/// Strict: anything the spec does not allow is invalid, including lower-case
/// keywords, extra or missing spaces, leading zeros, ports over 65535, a lone
/// CR or LF, a v2 version other than 2, an unassigned command, family or
/// protocol, a length beyond max_proxy_v2_bytes or too short for its
/// addresses, and a TLV running past the header. v2 PROXY headers announcing a
/// UDP (DGRAM) or AF_UNIX connection are invalid too: a TCP listener cannot have
/// been relayed one, and falling back to the socket peer would give a client
/// the load balancer's own, possibly trusted, address. Bytes that cannot start
/// a header (plain HTTP, a TLS ClientHello) are invalid at the first byte.
///
/// `input` is what the connection sent, from its first byte; `out` is reset on
/// every call, filled on ok, and its `reason` set on invalid. Pure function: no
/// allocation, no I/O; any thread.
proxy_parse_status parse_proxy_header(std::string_view input, proxy_header& out);

}  // namespace quikedge::http
