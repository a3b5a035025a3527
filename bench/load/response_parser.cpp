// Response head parsing for quikedge-bench.
#include "load/response_parser.hpp"

#include "common/http_text.hpp"

namespace quikedge::bench::load {
namespace {

// "HTTP/1.x NNN reason": sets the status and whether the version keeps the connection
// by default.
bool parse_status_line(std::string_view line, response_head& out, bool& http10) {
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || line[8] != ' ') {
    return false;
  }
  if (line[7] == '0') {
    http10 = true;
  } else if (line[7] != '1') {
    return false;
  }
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      return false;
    }
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || (line.size() > 12 && line[12] != ' ')) {
    return false;
  }
  out.status = status;
  return true;
}

}  // namespace

parse_result parse_response_head(std::string_view buf, std::string_view count_header,
                                 response_head& out) {
  const std::size_t end = find_head_end(buf);
  if (end == std::string_view::npos) {
    return parse_result::incomplete;
  }
  out = response_head{};
  out.head_size = end;
  std::string_view rest = buf.substr(0, end);
  std::string_view line;
  next_line(rest, line);
  bool http10 = false;
  if (!parse_status_line(line, out, http10)) {
    return parse_result::bad_response;
  }
  bool connection_close = false;
  bool connection_keep_alive = false;
  while (next_line(rest, line) && !line.empty()) {
    std::string_view name;
    std::string_view value;
    if (!split_header(line, name, value)) {
      return parse_result::bad_response;
    }
    if (!count_header.empty() && name.size() == count_header.size() &&
        iequals(name, count_header)) {
      out.has_count_value = true;
      out.count_value = value;
    }
    switch (name.size()) {
      case 14:
        if (iequals(name, "content-length")) {
          std::uint64_t length = 0;
          if (!parse_u64(value, length) ||
              (out.has_content_length && length != out.content_length)) {
            return parse_result::bad_response;
          }
          out.has_content_length = true;
          out.content_length = length;
        }
        break;
      case 17:
        if (iequals(name, "transfer-encoding")) {
          // The last coding decides the framing (RFC 9112 section 6.3).
          const std::size_t comma = value.rfind(',');
          out.chunked = iequals(
              trim(comma == std::string_view::npos ? value : value.substr(comma + 1)), "chunked");
          if (!out.chunked) {
            out.keep_alive = false;  // framed by closing the connection
          }
        }
        break;
      case 10:
        if (iequals(name, "connection")) {
          connection_close |= list_contains_token(value, "close");
          connection_keep_alive |= list_contains_token(value, "keep-alive");
        }
        break;
      default:
        break;
    }
  }
  if (out.chunked) {
    // Transfer-Encoding overrides Content-Length (RFC 9112 section 6.3).
    out.has_content_length = false;
  }
  const bool persistent = http10 ? connection_keep_alive && !connection_close : !connection_close;
  out.keep_alive = out.keep_alive && persistent;
  return parse_result::complete;
}

}  // namespace quikedge::bench::load
