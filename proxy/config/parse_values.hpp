// Parsers for the scalar value types of the config (durations, addresses,
// integers, fractions, HTTP tokens). Pure functions on strings, no YAML.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "quikedge/config.hpp"

namespace quikedge::config_detail {

/// Largest duration accepted: timers count in nanoseconds in a signed 64-bit
/// value, so anything longer would overflow when armed (about 292 years).
inline constexpr std::int64_t max_duration_ms = INT64_MAX / 1'000'000;

/// parse_duration with the reason for a rejection in `why`.
std::optional<duration> parse_duration_why(std::string_view text, std::string& why);

/// Parses a non-negative decimal integer no larger than `max`. No sign, no
/// spaces, no fraction, no exponent. On failure returns nullopt and sets `why`.
std::optional<std::uint64_t> parse_unsigned(std::string_view text, std::uint64_t max,
                                            std::string& why);

/// Parses a finite decimal number ("0.001", "1e-3"); nullopt on anything else.
std::optional<double> parse_number(std::string_view text);

/// True for an RFC 9110 token: header names and cookie names must be one.
bool is_http_token(std::string_view text);

/// True for a host that can only be reached from this machine.
bool is_loopback_host(const std::string& host);

/// True for a host that binds every interface ("0.0.0.0", "::").
bool is_wildcard_host(const std::string& host);

}  // namespace quikedge::config_detail
