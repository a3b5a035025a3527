// An IPv4 or IPv6 network as written in the config ("10.0.0.0/8", "::1"), and
// its parser. Plain and Boost-free, so that config loading can check it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quikedge {

/// A network: the address with every bit beyond the prefix zero, and the prefix
/// length. A single address is a full-length prefix (/32, /128).
struct ip_range {
  enum class family : std::uint8_t { v4, v6 };

  family af = family::v4;
  /// Network address in network byte order; IPv4 uses the first 4 bytes.
  std::array<std::uint8_t, 16> bytes{};
  std::uint8_t prefix_length = 0;  ///< 0-32 for IPv4, 0-128 for IPv6

  /// Always "ADDRESS/PREFIX", e.g. "10.0.0.0/8", "::1/128".
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const ip_range&, const ip_range&) = default;
};

/// Parses "A.B.C.D", "A.B.C.D/N", "IPV6" or "IPV6/N" (no brackets, no zone).
/// Refuses a range with host bits set beyond the prefix ("10.0.0.1/8"): it is
/// either a typo in the network or a single host missing its /32, and guessing
/// which would widen or narrow what the operator trusts.
/// @param text the range as written
/// @param why  set to the reason on failure, e.g. "prefix length 33 is out of range (0-32)"
/// @return the range, or nullopt on failure
std::optional<ip_range> parse_ip_range(std::string_view text, std::string& why);

}  // namespace quikedge
