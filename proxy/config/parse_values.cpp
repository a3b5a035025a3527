// Scalar parsers: durations ("250ms", "2s", "5m", "1h", "0") and addresses
// ("host:port", "[v6]:port"), plus the small checks shared by the config layers.
#include "config/parse_values.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace quikedge {

namespace {

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !text.empty();
}

// RFC 1123 host names, plus '_' because container runtimes (docker compose
// service names) hand out names with underscores that resolve fine.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  std::size_t start = 0;
  while (start <= host.size()) {
    std::size_t end = host.find('.', start);
    if (end == std::string_view::npos) {
      end = host.size();
    }
    std::string_view label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    start = end + 1;
  }
  return true;
}

bool is_ipv4(const std::string& host) {
  in_addr parsed{};
  return inet_pton(AF_INET, host.c_str(), &parsed) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr parsed{};
  return inet_pton(AF_INET6, host.c_str(), &parsed) == 1;
}

// Checks the host part; returns an empty string when it is fine.
std::string check_host(const std::string& host, bool bracketed) {
  if (bracketed) {
    return is_ipv6(host) ? "" : "\"" + host + "\" is not a valid IPv6 address";
  }
  if (host.empty()) {
    return "missing host (use 0.0.0.0:PORT to listen on every interface)";
  }
  if (host.find(':') != std::string::npos) {
    return "IPv6 addresses must be in brackets, e.g. [::1]:80";
  }
  // A name made only of digits and dots is meant as an IPv4 address, so
  // "10.0.0.256" is a typo and not a host name to resolve.
  if (host.find_first_not_of("0123456789.") == std::string::npos) {
    return is_ipv4(host) ? "" : "\"" + host + "\" is not a valid IPv4 address";
  }
  return is_host_name(host) ? "" : "\"" + host + "\" is not a valid host name";
}

}  // namespace

std::optional<duration> parse_duration(const std::string& text) {
  std::string why;
  return config_detail::parse_duration_why(text, why);
}

std::optional<address> parse_address(const std::string& text, std::string& why) {
  if (text.empty()) {
    why = "address is empty";
    return std::nullopt;
  }
  if (text.find("://") != std::string::npos) {
    why = "expected HOST:PORT without a scheme such as http://";
    return std::nullopt;
  }
  address result;
  std::string port_text;
  bool bracketed = text.front() == '[';
  if (bracketed) {
    std::size_t close = text.find(']');
    if (close == std::string::npos) {
      why = "missing ']' after the IPv6 address";
      return std::nullopt;
    }
    result.host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      why = "missing port (expected [IPv6]:PORT)";
      return std::nullopt;
    }
    port_text = text.substr(close + 2);
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      why = "missing port (expected HOST:PORT)";
      return std::nullopt;
    }
    result.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  why = check_host(result.host, bracketed);
  if (!why.empty()) {
    return std::nullopt;
  }
  if (port_text.empty()) {
    why = "missing port after ':'";
    return std::nullopt;
  }
  if (!all_digits(port_text)) {
    why = "port \"" + port_text + "\" is not a number";
    return std::nullopt;
  }
  std::string range_why;
  auto port = config_detail::parse_unsigned(port_text, 65535, range_why);
  if (!port) {
    why = "port " + port_text + " is out of range (0-65535)";
    return std::nullopt;
  }
  result.port = static_cast<std::uint16_t>(*port);
  return result;
}

namespace config_detail {

std::optional<duration> parse_duration_why(std::string_view text, std::string& why) {
  static constexpr std::string_view expected =
      "expected a whole number followed by ms, s, m or h (e.g. 250ms, 2s, 5m, 1h), or 0";
  if (text == "0") {
    return duration{0};
  }
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  std::string_view unit = text.substr(digits);
  std::int64_t factor = 0;
  if (unit == "ms") {
    factor = 1;
  } else if (unit == "s") {
    factor = 1000;
  } else if (unit == "m") {
    factor = 60 * 1000;
  } else if (unit == "h") {
    factor = 60 * 60 * 1000;
  }
  if (digits == 0 || factor == 0) {
    why = expected;
    return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  std::uint64_t limit = static_cast<std::uint64_t>(max_duration_ms / factor);
  if (ec != std::errc{} || end != text.data() + digits || value > limit) {
    why = "is too long (at most " + std::to_string(limit) + std::string(unit) + ")";
    return std::nullopt;
  }
  return duration{static_cast<std::int64_t>(value) * factor};
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text, std::uint64_t max,
                                            std::string& why) {
  bool negative = text.size() > 1 && text.front() == '-' && all_digits(text.substr(1));
  if (negative) {
    why = "must not be negative";
    return std::nullopt;
  }
  if (!all_digits(text)) {
    why = "must be a whole number";
    return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || value > max) {
    why = "is too large (at most " + std::to_string(max) + ")";
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_number(std::string_view text) {
  // strtod also takes hex floats, "inf" and "nan"; allow only decimal forms.
  if (text.empty() || text.find_first_not_of("0123456789.eE+-") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

bool is_http_token(std::string_view text) {
  static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              extra.find(c) != std::string_view::npos;
    if (!ok) {
      return false;
    }
  }
  return !text.empty();
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool is_wildcard_host(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return v4.s_addr == INADDR_ANY;
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_UNSPECIFIED(&v6);
}

}  // namespace config_detail
}  // namespace quikedge
