// Hand-rolled parser of an HTTP/1.x response head: one pass, no allocation, so that the
// load generator is not what limits the measured throughput.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace quikedge::bench::load {

// A parsed response head. count_value points into the read buffer: use it before the
// connection reads again.
struct response_head {
  int status = 0;
  bool keep_alive = true;
  bool chunked = false;
  bool has_content_length = false;
  std::uint64_t content_length = 0;
  bool has_count_value = false;
  std::string_view count_value;  // value of --count-header
  std::size_t head_size = 0;
};

enum class parse_result { complete, incomplete, bad_response };

// Parses the head at the start of `buf`. `count_header` (may be empty) names the header
// whose value is reported in count_value.
parse_result parse_response_head(std::string_view buf, std::string_view count_header,
                                 response_head& out);

}  // namespace quikedge::bench::load
