// Response head formatting for quikedge-upstream.
#include "upstream/response_head.hpp"

#include "http/head_writer.hpp"

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
  const std::string_view known = http::known_reason_phrase(status);
  return known.empty() ? std::string_view("Status") : known;
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
