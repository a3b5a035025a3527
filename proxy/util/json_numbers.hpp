// Reading integers out of JSON that another process wrote (etcd, the state file):
// Boost.JSON stores 5 as int64, 2^63 as uint64 and 1.5 as double, and its
// to_number<>() throws on a negative or fractional value; a stored document
// must never be able to throw the control loop out of run().
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>

namespace quikedge::util {

/// A non-negative integer however it is stored; nullopt for anything else.
inline std::optional<std::uint64_t> json_unsigned(const boost::json::value& value) {
  if (value.is_uint64()) {
    return value.as_uint64();
  }
  if (value.is_int64() && value.as_int64() >= 0) {
    return static_cast<std::uint64_t>(value.as_int64());
  }
  return std::nullopt;
}

/// The same for an optional member (`object.if_contains(...)`).
inline std::optional<std::uint64_t> json_unsigned(const boost::json::value* value) {
  return value == nullptr ? std::nullopt : json_unsigned(*value);
}

}  // namespace quikedge::util
