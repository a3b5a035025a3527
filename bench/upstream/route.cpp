// Target to behaviour mapping for quikedge-upstream.
#include "upstream/route.hpp"

#include "common/http_text.hpp"

namespace quikedge::bench::upstream {
namespace {

constexpr std::uint64_t max_delay_ms = 600'000;
constexpr std::uint64_t default_chunk_count = 4;
constexpr std::uint64_t default_chunk_size = 16;

// Reads `key` of a query string "a=1&b=2" into `out`, leaving it alone when absent.
// False only when the key is there but not a number.
bool query_number(std::string_view query, std::string_view key, std::uint64_t& out) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == key) {
      return parse_u64(pair.substr(eq + 1), out);
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return true;  // absent: keep the default
}

route numbered(route_kind kind, std::string_view digits) {
  route r{kind};
  if (!parse_u64(digits, r.number)) {
    return route{route_kind::bad_request};
  }
  return r;
}

}  // namespace

route resolve_route(std::string_view target) {
  const std::size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }

  const std::size_t last_slash = path.rfind('/');
  if (last_slash == std::string_view::npos) {
    return route{};  // "*" or an absolute-form target we do not interpret
  }
  const std::string_view last = path.substr(last_slash + 1);

  if (last == "echo") {
    return route{route_kind::echo};
  }
  if (last == "close") {
    return route{route_kind::close};
  }
  if (last == "headers") {
    return route{route_kind::headers};
  }
  if (last == "health") {
    return route{route_kind::health};
  }
  if (last == "conn") {
    return route{route_kind::conn};
  }
  if (last == "stats") {
    return route{route_kind::stats};
  }
  if (last == "ws") {
    return route{route_kind::websocket};
  }
  if (last == "chunked") {
    route r{route_kind::chunked, default_chunk_count, default_chunk_size};
    if (!query_number(query, "n", r.number) || !query_number(query, "size", r.size)) {
      return route{route_kind::bad_request};
    }
    return r;
  }

  if (last_slash == 0) {
    return route{};
  }
  const std::size_t previous_slash = path.rfind('/', last_slash - 1);
  const std::string_view verb = path.substr(previous_slash + 1, last_slash - previous_slash - 1);
  if (verb == "status") {
    route r = numbered(route_kind::status, last);
    if (r.kind == route_kind::status && (r.number < 200 || r.number > 599)) {
      return route{route_kind::bad_request};  // 1xx cannot be a final response
    }
    return r;
  }
  if (verb == "delay") {
    route r = numbered(route_kind::delay, last);
    if (r.kind == route_kind::delay && r.number > max_delay_ms) {
      return route{route_kind::bad_request};
    }
    return r;
  }
  if (verb == "bytes") {
    return numbered(route_kind::bytes, last);
  }
  return route{};
}

}  // namespace quikedge::bench::upstream
