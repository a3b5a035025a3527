// Hand-rolled parser of an HTTP/1.x request head: one pass over the bytes, no
// allocation. Beast's parser is general but several times slower on this hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace quikedge::bench::upstream {

enum class body_kind { none, length, chunked };

// A parsed request head. The views point into the connection's read buffer and stay
// valid only until the connection reads again; the other fields are plain values.
struct request_head {
  std::string_view method;
  std::string_view target;
  std::string_view header_block;  // the header lines as received, for /headers
  std::size_t head_size = 0;      // bytes taken by the head, final empty line included
  bool http10 = false;
  bool keep_alive = true;
  bool expect_continue = false;
  bool is_head = false;
  bool upgrade = false;  // Connection: upgrade with an Upgrade header (/ws)
  body_kind body = body_kind::none;
  std::uint64_t content_length = 0;
};

enum class parse_result { complete, incomplete, bad_request };

// Parses the head at the start of `buf` (leading empty lines are skipped, as RFC 9112
// section 2.2 asks). Refuses what a proxy must never produce: Content-Length together
// with Transfer-Encoding, conflicting or invalid lengths, codings other than chunked.
parse_result parse_request_head(std::string_view buf, request_head& out);

}  // namespace quikedge::bench::upstream
