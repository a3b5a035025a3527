// parse_ip_range and ip_range::to_string (include/quikedge/ip_range.hpp): CIDR
// text to a network, strict about forms that would make the trusted set unclear.
#include "quikedge/ip_range.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace quikedge {

namespace {

// inet_pton needs a NUL-terminated string; the longest IPv6 text it takes is
// INET6_ADDRSTRLEN - 1 characters (with a dotted IPv4 tail).
bool to_bytes(std::string_view host, ip_range& out) {
  char text[INET6_ADDRSTRLEN] = {};
  if (host.empty() || host.size() >= sizeof(text)) {
    return false;
  }
  std::memcpy(text, host.data(), host.size());
  if (host.find(':') == std::string_view::npos) {
    out.af = ip_range::family::v4;
    return inet_pton(AF_INET, text, out.bytes.data()) == 1;
  }
  out.af = ip_range::family::v6;
  return inet_pton(AF_INET6, text, out.bytes.data()) == 1;
}

// Bits of `bytes` that lie beyond the first `prefix` bits are all zero.
bool host_bits_clear(const std::array<std::uint8_t, 16>& bytes, unsigned prefix, unsigned width) {
  for (unsigned bit = prefix; bit < width; ++bit) {
    if ((bytes[bit / 8] >> (7 - bit % 8)) & 1U) {
      return false;
    }
  }
  return true;
}

ip_range masked(ip_range range) {
  unsigned width = range.af == ip_range::family::v4 ? 32 : 128;
  for (unsigned bit = range.prefix_length; bit < width; ++bit) {
    range.bytes[bit / 8] &= static_cast<std::uint8_t>(~(1U << (7 - bit % 8)));
  }
  return range;
}

// Built by appending: GCC 12 warns falsely (-Wrestrict) on "\"" + std::string(...).
std::string in_quotes(std::string_view text) {
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted.append(1, '"').append(text).append(1, '"');
  return quoted;
}

std::string address_text(const ip_range& range) {
  char text[INET6_ADDRSTRLEN] = {};
  int af = range.af == ip_range::family::v4 ? AF_INET : AF_INET6;
  inet_ntop(af, range.bytes.data(), text, sizeof(text));
  return text;
}

}  // namespace

std::string ip_range::to_string() const {
  return address_text(*this) + "/" + std::to_string(prefix_length);
}

std::optional<ip_range> parse_ip_range(std::string_view text, std::string& why) {
  if (text.empty()) {
    why = "address range is empty";
    return std::nullopt;
  }
  if (text.front() == '[') {
    why = "write IPv6 addresses without brackets, e.g. ::1/128";
    return std::nullopt;
  }
  std::size_t slash = text.find('/');
  std::string_view host = text.substr(0, slash);
  ip_range range;
  if (!to_bytes(host, range)) {
    why = in_quotes(host);
    why += host.find(':') == std::string_view::npos ? " is not a valid IPv4 address"
                                                    : " is not a valid IPv6 address";
    return std::nullopt;
  }
  unsigned width = range.af == ip_range::family::v4 ? 32 : 128;
  const char* family_name = range.af == ip_range::family::v4 ? "IPv4" : "IPv6";
  unsigned prefix = width;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    // A leading zero ("/08") or sign is refused like anywhere else in the config.
    bool plain = !digits.empty() && end == digits.data() + digits.size() && ec == std::errc{} &&
                 (digits.size() == 1 || digits.front() != '0');
    if (!plain) {
      why = "prefix length " + in_quotes(digits) + " is not a whole number";
      return std::nullopt;
    }
    if (value > width) {
      why = "prefix length " + std::to_string(value) + " is out of range for " + family_name +
            " (0-" + std::to_string(width) + ")";
      return std::nullopt;
    }
    prefix = value;
  }
  range.prefix_length = static_cast<std::uint8_t>(prefix);
  if (!host_bits_clear(range.bytes, prefix, width)) {
    ip_range network = masked(range);
    ip_range single = range;
    single.prefix_length = static_cast<std::uint8_t>(width);
    why = "host bits are set beyond the /" + std::to_string(prefix) +
          " prefix; write the network " + network.to_string() + ", or " + single.to_string() +
          " for the single address";
    return std::nullopt;
  }
  return range;
}

}  // namespace quikedge
