// parse_proxy_header (proxy_protocol.hpp): v1 text lines and v2 binary headers,
// each checked byte by byte so that a bad prefix is refused as early as it shows.
#include "http/proxy_protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace quikedge::http {

namespace {

namespace ip = boost::asio::ip;

constexpr std::string_view v1_prefix = "PROXY ";
constexpr std::string_view v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t v2_fixed_bytes = 16;

// The 13th byte of a v2 header: version (high nibble) and command (low nibble).
constexpr unsigned v2_version = 0x2;
constexpr unsigned command_local = 0x0;
constexpr unsigned command_proxy = 0x1;

// The 14th byte: address family (high nibble) and transport protocol (low nibble).
constexpr unsigned char family_unspec = 0x00;
constexpr unsigned char tcp_over_ipv4 = 0x11;
constexpr unsigned char udp_over_ipv4 = 0x12;
constexpr unsigned char tcp_over_ipv6 = 0x21;
constexpr unsigned char udp_over_ipv6 = 0x22;
constexpr unsigned char unix_stream = 0x31;
constexpr unsigned char unix_dgram = 0x32;
constexpr std::size_t ipv4_block_bytes = 2 * 4 + 2 * 2;
constexpr std::size_t ipv6_block_bytes = 2 * 16 + 2 * 2;

proxy_parse_status fail(proxy_header& out, std::string_view reason) {
  out.reason = reason;
  return proxy_parse_status::invalid;
}

// True when the first input.size() bytes agree with `expected` (input may be shorter).
bool prefix_matches(std::string_view input, std::string_view expected) {
  std::size_t n = std::min(input.size(), expected.size());
  return input.substr(0, n) == expected.substr(0, n);
}

unsigned byte_at(std::string_view input, std::size_t i) {
  return static_cast<unsigned char>(input[i]);
}

std::uint16_t load16(std::string_view input, std::size_t i) {
  return static_cast<std::uint16_t>((byte_at(input, i) << 8) | byte_at(input, i + 1));
}

// ---- v1 ----

// A decimal number of at most `max_digits` digits, without leading zeros.
std::optional<unsigned> parse_decimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits || (text.size() > 1 && text.front() == '0')) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  auto value = parse_decimal(text, 5);
  if (!value || *value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(*value);
}

// Exactly four dot-separated decimals 0-255 without leading zeros (the spec
// forbids them so that no one reads them as octal).
std::optional<ip::address_v4> parse_ipv4(std::string_view text) {
  std::uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    std::size_t dot = part < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) {
      return std::nullopt;
    }
    auto octet = parse_decimal(text.substr(0, dot), 3);
    if (!octet || *octet > 255) {
      return std::nullopt;
    }
    value = (value << 8) | *octet;
    text.remove_prefix(std::min(dot + 1, text.size()));
  }
  return ip::address_v4(value);
}

// inet_pton's IPv6 grammar is the spec's, plus the dotted IPv4 tail that
// inet_ntop itself writes for mapped addresses. It needs a NUL-terminated copy.
std::optional<ip::address_v6> parse_ipv6(std::string_view text) {
  std::array<char, INET6_ADDRSTRLEN> copy{};
  if (text.empty() || text.size() >= copy.size()) {
    return std::nullopt;
  }
  std::memcpy(copy.data(), text.data(), text.size());
  ip::address_v6::bytes_type bytes{};
  if (inet_pton(AF_INET6, copy.data(), bytes.data()) != 1) {
    return std::nullopt;
  }
  return ip::address_v6(bytes);
}

// Splits "A B C D" into exactly four non-empty fields, one space apart.
bool split_four(std::string_view text, std::array<std::string_view, 4>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    bool last = i + 1 == fields.size();
    std::size_t end = last ? text.size() : text.find(' ');
    if (end == std::string_view::npos || end == 0) {
      return false;  // too few fields, or two spaces in a row
    }
    fields[i] = text.substr(0, end);
    text.remove_prefix(last ? end : end + 1);
  }
  return fields.back().find(' ') == std::string_view::npos;  // no fifth field
}

// Finds the CR of the CRLF that ends the v1 line, within max_proxy_v1_bytes.
proxy_parse_status find_v1_line_end(std::string_view input, std::size_t& cr, proxy_header& out) {
  std::size_t limit = std::min(input.size(), max_proxy_v1_bytes);
  for (std::size_t i = 0; i < limit; ++i) {
    auto c = static_cast<unsigned char>(input[i]);
    if (c == '\r') {
      if (i + 2 > max_proxy_v1_bytes) {
        return fail(out, "v1 line longer than 107 bytes");
      }
      if (i + 1 == input.size()) {
        return proxy_parse_status::incomplete;
      }
      if (input[i + 1] != '\n') {
        return fail(out, "v1 line has a CR without LF");
      }
      cr = i;
      return proxy_parse_status::ok;
    }
    // A bare LF would end the line for a lenient parser and not for a strict one.
    if (c < 0x20 || c > 0x7e) {
      return fail(out, "v1 line has a control or non-ASCII byte");
    }
  }
  if (input.size() >= max_proxy_v1_bytes) {
    return fail(out, "v1 line longer than 107 bytes");
  }
  return proxy_parse_status::incomplete;
}

proxy_parse_status parse_v1(std::string_view input, proxy_header& out) {
  if (!prefix_matches(input, v1_prefix)) {
    return fail(out, "not a PROXY protocol header");
  }
  std::size_t cr = 0;
  proxy_parse_status line = find_v1_line_end(input, cr, out);
  if (line != proxy_parse_status::ok) {
    return line;
  }
  std::string_view rest = input.substr(v1_prefix.size(), cr - v1_prefix.size());
  // UNKNOWN: the sender could not fill the line; whatever follows is ignored.
  if (rest == "UNKNOWN" || rest.starts_with("UNKNOWN ")) {
    out.version = 1;
    out.header_bytes = cr + 2;
    out.local = true;
    return proxy_parse_status::ok;
  }
  bool v4 = rest.starts_with("TCP4 ");
  if (!v4 && !rest.starts_with("TCP6 ")) {
    return fail(out, "v1 protocol is not TCP4, TCP6 or UNKNOWN");
  }
  std::array<std::string_view, 4> fields;
  if (!split_four(rest.substr(5), fields)) {
    return fail(out, "v1 line needs exactly 4 fields after the protocol, one space apart");
  }
  auto source_port = parse_port(fields[2]);
  auto destination_port = parse_port(fields[3]);
  if (!source_port || !destination_port) {
    return fail(out, "v1 port is not a number in 0-65535 without leading zeros");
  }
  ip::address source;
  ip::address destination;
  if (v4) {
    auto s = parse_ipv4(fields[0]);
    auto d = parse_ipv4(fields[1]);
    if (!s || !d) {
      return fail(out, "v1 TCP4 address is not a valid IPv4 address");
    }
    source = *s;
    destination = *d;
  } else {
    auto s = parse_ipv6(fields[0]);
    auto d = parse_ipv6(fields[1]);
    if (!s || !d) {
      return fail(out, "v1 TCP6 address is not a valid IPv6 address");
    }
    source = *s;
    destination = *d;
  }
  out.version = 1;
  out.header_bytes = cr + 2;
  out.source = ip::tcp::endpoint(source, *source_port);
  out.destination = ip::tcp::endpoint(destination, *destination_port);
  return proxy_parse_status::ok;
}

// ---- v2 ----

// TLVs are skipped, but each must fit: a length running past the header would
// make the next reader (or a future one that interprets TLVs) read the request.
bool tlvs_well_formed(std::string_view tlvs) {
  while (!tlvs.empty()) {
    if (tlvs.size() < 3) {
      return false;
    }
    std::size_t length = load16(tlvs, 1);
    if (length > tlvs.size() - 3) {
      return false;
    }
    tlvs.remove_prefix(3 + length);
  }
  return true;
}

bool is_assigned_family(unsigned char family) {
  switch (family) {
    case family_unspec:
    case tcp_over_ipv4:
    case udp_over_ipv4:
    case tcp_over_ipv6:
    case udp_over_ipv6:
    case unix_stream:
    case unix_dgram:
      return true;
    default:
      return false;
  }
}

// Checks the fixed 16 bytes as far as they have arrived.
proxy_parse_status check_v2_fixed(std::string_view input, proxy_header& out) {
  if (!prefix_matches(input, v2_signature)) {
    return fail(out, "bad v2 signature");
  }
  if (input.size() > 12) {
    unsigned version = byte_at(input, 12) >> 4;
    unsigned command = byte_at(input, 12) & 0x0f;
    if (version != v2_version) {
      return fail(out, "v2 version is not 2");
    }
    if (command != command_local && command != command_proxy) {
      return fail(out, "v2 command is neither LOCAL nor PROXY");
    }
  }
  if (input.size() > 13) {
    auto family = static_cast<unsigned char>(input[13]);
    if (!is_assigned_family(family)) {
      return fail(out, "v2 address family or protocol is unassigned");
    }
    bool local = (byte_at(input, 12) & 0x0f) == command_local;
    if (!local && family != family_unspec && family != tcp_over_ipv4 && family != tcp_over_ipv6) {
      return fail(out, "v2 PROXY header for a UDP or UNIX connection on a TCP listener");
    }
  }
  if (input.size() >= v2_fixed_bytes && v2_fixed_bytes + load16(input, 14) > max_proxy_v2_bytes) {
    return fail(out, "v2 header longer than max_proxy_v2_bytes");
  }
  return input.size() >= v2_fixed_bytes ? proxy_parse_status::ok : proxy_parse_status::incomplete;
}

proxy_parse_status parse_v2(std::string_view input, proxy_header& out) {
  proxy_parse_status fixed = check_v2_fixed(input, out);
  if (fixed != proxy_parse_status::ok) {
    return fixed;
  }
  std::size_t length = load16(input, 14);
  if (input.size() < v2_fixed_bytes + length) {
    return proxy_parse_status::incomplete;
  }
  std::string_view block = input.substr(v2_fixed_bytes, length);
  auto family = static_cast<unsigned char>(input[13]);
  // LOCAL: the spec says to discard the whole block, family included. AF_UNSPEC
  // under PROXY is the binary form of v1's UNKNOWN.
  if ((byte_at(input, 12) & 0x0f) == command_local || family == family_unspec) {
    out.version = 2;
    out.header_bytes = v2_fixed_bytes + length;
    out.local = true;
    return proxy_parse_status::ok;
  }
  std::size_t address_bytes = family == tcp_over_ipv4 ? ipv4_block_bytes : ipv6_block_bytes;
  if (length < address_bytes) {
    return fail(out, "v2 length too short for its addresses");
  }
  std::string_view tlvs = block.substr(address_bytes);
  if (!tlvs_well_formed(tlvs)) {
    return fail(out, "v2 TLV runs past the end of the header");
  }
  ip::address source;
  ip::address destination;
  std::size_t ports = 0;
  if (family == tcp_over_ipv4) {
    std::uint32_t s = (std::uint32_t{load16(block, 0)} << 16) | load16(block, 2);
    std::uint32_t d = (std::uint32_t{load16(block, 4)} << 16) | load16(block, 6);
    source = ip::address_v4(s);
    destination = ip::address_v4(d);
    ports = 8;
  } else {
    ip::address_v6::bytes_type s{};
    ip::address_v6::bytes_type d{};
    std::memcpy(s.data(), block.data(), 16);
    std::memcpy(d.data(), block.data() + 16, 16);
    source = ip::address_v6(s);
    destination = ip::address_v6(d);
    ports = 32;
  }
  out.version = 2;
  out.header_bytes = v2_fixed_bytes + length;
  out.source = ip::tcp::endpoint(source, load16(block, ports));
  out.destination = ip::tcp::endpoint(destination, load16(block, ports + 2));
  out.tlvs = tlvs;
  return proxy_parse_status::ok;
}

}  // namespace

proxy_parse_status parse_proxy_header(std::string_view input, proxy_header& out) {
  out = proxy_header{};
  if (input.empty()) {
    return proxy_parse_status::incomplete;
  }
  // The first byte tells the versions apart: 'P' for v1, CR for v2.
  if (input.front() == v2_signature.front()) {
    return parse_v2(input, out);
  }
  return parse_v1(input, out);
}

}  // namespace quikedge::http
