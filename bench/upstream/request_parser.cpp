// Request head parsing for quikedge-upstream.
#include "upstream/request_parser.hpp"

#include "common/http_text.hpp"

namespace quikedge::bench::upstream {
namespace {

bool parse_request_line(std::string_view line, request_head& out) {
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) {
    return false;
  }
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    return false;
  }
  out.method = line.substr(0, sp1);
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  for (char c : out.method) {
    if (!http::is_token_char(c)) {
      return false;
    }
  }
  if (version == "HTTP/1.1") {
    out.http10 = false;
  } else if (version == "HTTP/1.0") {
    out.http10 = true;
  } else {
    return false;
  }
  out.is_head = out.method == "HEAD";
  return true;
}

}  // namespace

parse_result parse_request_head(std::string_view buf, request_head& out) {
  std::size_t skipped = 0;
  while (skipped < buf.size() && (buf[skipped] == '\r' || buf[skipped] == '\n')) {
    ++skipped;
  }
  const std::size_t end = find_head_end(buf.substr(skipped));
  if (end == std::string_view::npos) {
    return parse_result::incomplete;
  }
  out = request_head{};
  out.head_size = skipped + end;

  std::string_view rest = buf.substr(skipped, end);
  std::string_view line;
  next_line(rest, line);
  if (!parse_request_line(line, out)) {
    return parse_result::bad_request;
  }
  // What is left is the header lines and the final empty line.
  out.header_block = rest.substr(0, rest.size() - (rest.ends_with("\r\n") ? 2 : 1));

  bool has_length = false;
  bool has_transfer_encoding = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool connection_upgrade = false;
  bool has_upgrade_header = false;
  while (next_line(rest, line) && !line.empty()) {
    std::string_view name;
    std::string_view value;
    if (!split_header(line, name, value)) {
      // Also refuses obsolete line folding (a line starting with whitespace).
      return parse_result::bad_request;
    }
    // Dispatch on length first: most headers are then skipped with one compare.
    switch (name.size()) {
      case 14:
        if (iequals(name, "content-length")) {
          std::uint64_t length = 0;
          if (!parse_u64(value, length) || (has_length && length != out.content_length)) {
            return parse_result::bad_request;
          }
          has_length = true;
          out.content_length = length;
        }
        break;
      case 17:
        if (iequals(name, "transfer-encoding")) {
          // Only "chunked" alone is accepted: a coding list would need decoding we do not do.
          if (has_transfer_encoding || !iequals(value, "chunked")) {
            return parse_result::bad_request;
          }
          has_transfer_encoding = true;
        }
        break;
      case 10:
        if (iequals(name, "connection")) {
          connection_close |= list_contains_token(value, "close");
          connection_keep_alive |= list_contains_token(value, "keep-alive");
          connection_upgrade |= list_contains_token(value, "upgrade");
        }
        break;
      case 6:
        if (iequals(name, "expect")) {
          out.expect_continue = iequals(value, "100-continue");
        }
        break;
      case 7:
        if (iequals(name, "upgrade")) {
          has_upgrade_header = true;
        }
        break;
      default:
        break;
    }
  }
  if (has_length && has_transfer_encoding) {
    return parse_result::bad_request;
  }
  if (has_transfer_encoding) {
    out.body = body_kind::chunked;
  } else if (has_length && out.content_length > 0) {
    out.body = body_kind::length;
  }
  out.keep_alive = out.http10 ? (connection_keep_alive && !connection_close) : !connection_close;
  out.upgrade = connection_upgrade && has_upgrade_header;
  // A 1.0 client does not know 100 Continue, and there is nothing to continue without a body.
  out.expect_continue = out.expect_continue && !out.http10 && out.body != body_kind::none;
  return parse_result::complete;
}

}  // namespace quikedge::bench::upstream
