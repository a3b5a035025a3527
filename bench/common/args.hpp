// Command-line reading shared by the bench tools: "--flag value" or "--flag=value", and
// the number, size and duration formats their flags take.
#pragma once

#include "common/http_text.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace quikedge::bench {

class arg_reader {
 public:
  arg_reader(int argc, char** argv) : argc_(argc), argv_(argv) {}

  // Moves to the next argument; false when none is left.
  bool next() {
    if (next_index_ >= argc_) {
      return false;
    }
    std::string_view arg = argv_[next_index_++];
    inline_value_.reset();
    const std::size_t eq = arg.find('=');
    if (arg.starts_with("--") && eq != std::string_view::npos) {
      inline_value_ = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    flag_ = arg;
    return true;
  }

  [[nodiscard]] std::string_view flag() const { return flag_; }

  // True, after printing `usage` to stdout, when the current flag is --help or -h.
  bool help_requested(std::string_view usage) const {
    if (flag_ != "--help" && flag_ != "-h") {
      return false;
    }
    std::cout << usage;
    return true;
  }

  // The current flag's value: after '=' or the next argument. Empty optional if missing.
  std::optional<std::string_view> value() {
    if (inline_value_) {
      return inline_value_;
    }
    if (next_index_ >= argc_) {
      return std::nullopt;
    }
    return std::string_view(argv_[next_index_++]);
  }

 private:
  int argc_;
  char** argv_;
  int next_index_ = 1;
  std::string_view flag_;
  std::optional<std::string_view> inline_value_;
};

// "1024", "64k", "16M", "1G" (binary multiples, as sizes are given for buffers and bodies).
inline bool parse_size(std::string_view s, std::uint64_t& out) {
  std::uint64_t multiplier = 1;
  if (!s.empty()) {
    switch (ascii_lower(s.back())) {
      case 'k':
        multiplier = std::uint64_t{1} << 10;
        break;
      case 'm':
        multiplier = std::uint64_t{1} << 20;
        break;
      case 'g':
        multiplier = std::uint64_t{1} << 30;
        break;
      default:
        break;
    }
    if (multiplier != 1) {
      s.remove_suffix(1);
    }
  }
  std::uint64_t v = 0;
  if (!parse_u64(s, v) || v > UINT64_MAX / multiplier) {
    return false;
  }
  out = v * multiplier;
  return true;
}

inline bool parse_double(std::string_view s, double& out) {
  if (s.empty()) {
    return false;
  }
  // from_chars for double is in libstdc++ 11+, and unlike strtod it ignores the locale.
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size() && std::isfinite(out);
}

// "5" or "5s" (seconds, fractions allowed), "250ms", "2m".
inline bool parse_duration(std::string_view s, std::chrono::nanoseconds& out) {
  double scale = 1e9;
  if (s.ends_with("ms")) {
    scale = 1e6;
    s.remove_suffix(2);
  } else if (s.ends_with("s")) {
    s.remove_suffix(1);
  } else if (s.ends_with("m")) {
    scale = 60e9;
    s.remove_suffix(1);
  }
  double v = 0;
  if (!parse_double(s, v) || v < 0 || v * scale > 1e18) {
    return false;
  }
  out = std::chrono::nanoseconds(static_cast<std::int64_t>(v * scale));
  return true;
}

}  // namespace quikedge::bench
