// Bearer-token authentication for the admin API. Tokens are stored as SHA-256
// digests and compared in constant time, so neither the config nor timing leaks them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quikedge/config.hpp"

namespace quikedge::admin {

/// Lower-case hex SHA-256 of `text`.
std::string sha256_hex(std::string_view text);

/// The token whose digest matches the bearer token in `authorization`
/// ("Bearer TOKEN"), or nullopt.
std::optional<admin_token> authenticate(std::string_view authorization,
                                        const std::vector<admin_token>& tokens);

}  // namespace quikedge::admin
