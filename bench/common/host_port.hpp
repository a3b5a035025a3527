// Splitting "host:port" and "[v6]:port", as given to --listen and in --url.
#pragma once

#include "common/http_text.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace quikedge::bench {

inline bool split_host_port(std::string_view text, std::string& host, std::uint16_t& port) {
  std::string_view host_part;
  std::string_view port_part;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host_part = text.substr(1, close - 1);
    port_part = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return false;
    }
    host_part = text.substr(0, colon);
    port_part = text.substr(colon + 1);
  }
  std::uint64_t p = 0;
  if (host_part.empty() || !parse_u64(port_part, p) || p > 65535) {
    return false;
  }
  host = std::string(host_part);
  port = static_cast<std::uint16_t>(p);
  return true;
}

}  // namespace quikedge::bench
