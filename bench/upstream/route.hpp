// Which behaviour a request asks for, decided from its target alone so that tests can
// drive the upstream through the proxy without any side channel.
#pragma once

#include <cstdint>
#include <string_view>

namespace quikedge::bench::upstream {

enum class route_kind {
  default_body,
  status,  // number = status code
  delay,   // number = milliseconds
  echo,
  chunked,  // number = chunk count, size = chunk size
  bytes,    // number = body size
  close,
  headers,
  health,
  conn,
  stats,
  websocket,  // /ws: WebSocket echo
  bad_request
};

struct route {
  route_kind kind = route_kind::default_body;
  std::uint64_t number = 0;
  std::uint64_t size = 0;
};

// Matches the last one or two path segments, so a prefixed path (/blue/status/503)
// behaves like the bare one: a proxy that routes by prefix can still steer us.
[[nodiscard]] route resolve_route(std::string_view target);

}  // namespace quikedge::bench::upstream
