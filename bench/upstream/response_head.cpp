// Response head formatting for quikedge-upstream.
#include "upstream/response_head.hpp"

#include <array>
#include <charconv>

namespace quikedge::bench::upstream {
namespace {

void append_number(std::string& out, std::uint64_t value, int base = 10) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value, base);
  out.append(digits.data(), result.ptr);
}

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

void append_response_head(std::string& out, const response_spec& spec,
                          std::string_view extra_headers) {
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::uint64_t>(spec.status));
  out.push_back(' ');
  out.append(reason_phrase(spec.status));
  out.append("\r\n");
  out.append(extra_headers);
  if (!status_has_no_body(spec.status)) {
    out.append("Content-Type: ");
    out.append(spec.content_type);
    out.append("\r\n");
    switch (spec.body_framing) {
      case framing::length:
        out.append("Content-Length: ");
        append_number(out, spec.content_length);
        out.append("\r\n");
        break;
      case framing::chunked:
        out.append("Transfer-Encoding: chunked\r\n");
        break;
      case framing::close_delimited:
        break;
    }
  }
  const bool keep_alive = spec.keep_alive && spec.body_framing != framing::close_delimited;
  if (!keep_alive) {
    out.append("Connection: close\r\n");
  } else if (spec.http10_client) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

void append_continue(std::string& out) {
  out.append("HTTP/1.1 100 Continue\r\n\r\n");
}

void append_chunk_size(std::string& out, std::uint64_t size) {
  append_number(out, size, 16);
  out.append("\r\n");
}

}  // namespace quikedge::bench::upstream
