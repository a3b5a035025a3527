// The strict request parser of the recording upstream, and the recorded_request
// accessors. Only byte classes come from the proxy (http/message_head.hpp); the parsing
// itself is the recorder's own.
#include "support/strict_request_parser.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>

#include "http/message_head.hpp"

namespace quikedge::test {
namespace strict {
namespace {

using http::iequals;
using http::is_field_value_char;
using http::is_token_char;

std::uint64_t hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return static_cast<std::uint64_t>(c - '0');
  }
  return static_cast<std::uint64_t>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
}

/// `s` without the spaces and tabs around it.
std::string_view without_ows(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(" \t") + 1 - first);
}

parse_outcome fail(std::string why) {
  return {parsed::error, 0, std::move(why)};
}

/// Finds the CRLF ending the line that starts at `from`. npos when there is none yet;
/// `bad` is set when a bare CR or bare LF comes first.
std::size_t find_crlf(std::string_view in, std::size_t from, bool& bad) {
  for (std::size_t i = from; i < in.size(); ++i) {
    if (in[i] == '\n') {
      bad = true;  // LF without CR before it
      return std::string_view::npos;
    }
    if (in[i] == '\r') {
      if (i + 1 == in.size()) {
        return std::string_view::npos;
      }
      if (in[i + 1] != '\n') {
        bad = true;
        return std::string_view::npos;
      }
      return i;
    }
  }
  return std::string_view::npos;
}

/// Takes the CRLF-ended line at `pos` into `line` (without the CRLF) and moves `pos` past
/// it. Otherwise returns why not: the error `bare` for a bare CR or LF before the CRLF,
/// `too_long` when more than `limit` bytes came without one, incomplete while fewer did.
std::optional<parse_outcome> take_line(std::string_view in, std::size_t& pos,
                                       std::string_view& line, std::size_t limit, const char* bare,
                                       const char* too_long) {
  bool bad = false;
  const std::size_t eol = find_crlf(in, pos, bad);
  if (bad) {
    return fail(bare);
  }
  if (eol == std::string_view::npos) {
    return in.size() - pos > limit ? fail(too_long) : parse_outcome{};
  }
  line = in.substr(pos, eol - pos);
  pos = eol + 2;
  return std::nullopt;
}

/// One `name: value` field line (no obs-fold, tchar name, no OWS before the colon).
bool parse_field_line(std::string_view line, header_list& out) {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) {
    return false;
  }
  const std::string_view name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), is_token_char)) {
    return false;
  }
  const std::string_view value = without_ows(line.substr(colon + 1));
  if (!std::all_of(value.begin(), value.end(), is_field_value_char)) {
    return false;
  }
  out.emplace_back(std::string(name), std::string(value));
  return true;
}

/// Reads the field lines from `pos` up to and including the empty line.
parse_outcome parse_fields(std::string_view in, std::size_t& pos, header_list& out,
                           std::size_t limit) {
  for (;;) {
    std::string_view line;
    if (auto stop = take_line(in, pos, line, limit, "bare CR or LF in a field line",
                              "field section too long")) {
      return *stop;
    }
    if (line.empty()) {
      return {parsed::done, pos, {}};
    }
    if (line.front() == ' ' || line.front() == '\t') {
      return fail("obs-fold");
    }
    if (!parse_field_line(line, out)) {
      return fail("bad field line '" + printable(line) + "'");
    }
  }
}

parse_outcome parse_chunked(std::string_view in, std::size_t pos, recorded_request& out) {
  for (;;) {
    std::string_view line;
    if (auto stop = take_line(in, pos, line, 4096, "bare CR or LF in a chunk size line",
                              "chunk size line too long")) {
      return *stop;
    }
    std::size_t digits = 0;
    std::uint64_t size = 0;
    while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
      if (digits == 15) {
        return fail("chunk size too long");
      }
      size = size * 16 + hex_value(line[digits]);
      ++digits;
    }
    const std::string_view extension = line.substr(digits);
    if (digits == 0 || (!extension.empty() && without_ows(extension).front() != ';') ||
        !std::all_of(extension.begin(), extension.end(), is_field_value_char)) {
      return fail("bad chunk size line '" + printable(line) + "'");
    }
    if (size > max_body_bytes || out.body.size() + size > max_body_bytes) {
      return fail("chunked body over the recorder's limit");
    }
    out.chunk_size_lines.emplace_back(line);
    if (!extension.empty()) {
      out.chunk_extensions.emplace_back(extension);
    }
    if (size == 0) {
      auto trailers = parse_fields(in, pos, out.trailers, max_head_bytes);
      if (trailers.result == parsed::error) {
        return fail("trailer section: " + trailers.error);
      }
      return trailers;
    }
    if (in.size() < pos + size + 2) {
      return {};
    }
    out.body.append(in.substr(pos, size));
    pos += size;
    if (in.substr(pos, 2) != "\r\n") {
      return fail("chunk data not followed by CRLF");
    }
    pos += 2;
  }
}

}  // namespace

parse_outcome parse_request(std::string_view in, recorded_request& out) {
  std::size_t pos = 0;
  std::string_view line;
  if (auto stop = take_line(in, pos, line, max_head_bytes, "bare CR or LF in the request line",
                            "request line too long")) {
    return *stop;
  }
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    return fail("bad request line '" + printable(line) + "'");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  const bool target_ok = std::all_of(target.begin(), target.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!std::all_of(method.begin(), method.end(), is_token_char) || !target_ok ||
      (version != "HTTP/1.1" && version != "HTTP/1.0")) {
    return fail("bad request line '" + printable(line) + "'");
  }
  out.method = method;
  out.target = target;
  out.version_minor = version.back() - '0';
  auto fields = parse_fields(in, pos, out.headers, max_head_bytes);
  if (fields.result != parsed::done) {
    return fields;
  }
  std::size_t lengths = 0;
  std::size_t codings = 0;
  std::string length;
  std::string coding;
  for (const auto& [name, value] : out.headers) {
    if (iequals(name, "content-length")) {
      ++lengths;
      length = value;
    } else if (iequals(name, "transfer-encoding")) {
      ++codings;
      coding = value;
    }
  }
  if (lengths > 1 || codings > 1 || (lengths == 1 && codings == 1)) {
    return fail("ambiguous framing");
  }
  if (codings == 1) {
    if (!iequals(coding, "chunked")) {
      return fail("Transfer-Encoding '" + printable(coding) + "'");
    }
    out.chunked = true;
    auto body = parse_chunked(in, pos, out);
    if (body.result == parsed::done) {
      out.raw = in.substr(0, body.consumed);
    }
    return body;
  }
  std::uint64_t size = 0;
  if (lengths == 1) {
    if (length.empty() || length.size() > 15 ||
        !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail("Content-Length '" + printable(length) + "'");
    }
    size = std::stoull(length);
    if (size > max_body_bytes) {
      return fail("Content-Length over the recorder's limit");
    }
  }
  if (in.size() < pos + size) {
    return {};
  }
  out.body = in.substr(pos, size);
  out.raw = in.substr(0, pos + size);
  return {parsed::done, pos + size, {}};
}

}  // namespace strict

std::string recorded_request::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (http::iequals(n, name)) {
      return v;
    }
  }
  return {};
}

std::size_t recorded_request::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(headers.begin(), headers.end(),
                    [&](const auto& field) { return http::iequals(field.first, name); }));
}

std::string printable(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace quikedge::test
