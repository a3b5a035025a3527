// The --url of quikedge-bench: only plain http://HOST[:PORT][/path][?query].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace quikedge::bench::load {

struct url {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 80;
  std::string authority;  // as written, for the Host header
  std::string target = "/";
};

// Parses `text`; on failure returns false and says why in `error`.
bool parse_url(std::string_view text, url& out, std::string& error);

}  // namespace quikedge::bench::load
