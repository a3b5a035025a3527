// Base64 (RFC 4648, padded) for etcd's JSON gateway, which carries every key and
// value as base64 text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace quikedge::etcd {

[[nodiscard]] std::string base64_encode(std::string_view bytes);

/// nullopt when `text` is not canonical padded base64 (a bad length, a byte
/// outside the alphabet, or padding anywhere but the end).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace quikedge::etcd
