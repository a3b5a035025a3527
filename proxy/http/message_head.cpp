// HTTP/1.x head parser: request and status lines, header fields and the framing
// decision (RFC 9112 section 6). Everything it returns views into the input.
#include "http/message_head.hpp"

#include "http/char_classes.hpp"
#include "http/request_target.hpp"

#include <array>
#include <cstring>

namespace quikedge::http {
namespace {

bool is_tchar(char c) {
  return tchar_table[static_cast<unsigned char>(c)];
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

/// How a head's lines may end: requests strictly in CRLF (a bare LF is where
/// a lenient backend would split lines differently); responses in LF with an
/// optional CR, since the proxy writes every response head anew and an
/// upstream's bare LF never reaches a client.
enum class line_ends : std::uint8_t { crlf_only, lf_or_crlf };

/// Returns the offset just past the empty line that ends the head, 0 if the
/// input does not hold a whole head yet, or npos when `ends` is crlf_only and a
/// line ends in a bare LF (refused at once rather than waited on).
std::size_t find_head_end(std::string_view input, line_ends ends) {
  std::size_t line_start = 0;
  while (line_start < input.size()) {
    const void* hit = std::memchr(input.data() + line_start, '\n', input.size() - line_start);
    if (hit == nullptr) {
      return 0;
    }
    std::size_t lf = static_cast<const char*>(hit) - input.data();
    const bool after_cr = lf > line_start && input[lf - 1] == '\r';
    if (ends == line_ends::crlf_only && !after_cr) {
      return std::string_view::npos;
    }
    if (line_start > 0 && lf - line_start == (after_cr ? 1U : 0U)) {
      return lf + 1;  // an empty line, after at least one line
    }
    line_start = lf + 1;
  }
  return 0;
}

/// Splits off the next line of `rest` (without its terminator). A bare CR inside
/// a line is refused by the callers' character checks.
std::string_view next_line(std::string_view& rest) {
  std::size_t lf = rest.find('\n');
  std::string_view line = rest.substr(0, lf);
  rest.remove_prefix(lf == std::string_view::npos ? rest.size() : lf + 1);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

bool parse_version(std::string_view text, int& minor) {
  if (text.size() != 8 || text.substr(0, 7) != "HTTP/1." || text[7] < '0' || text[7] > '9') {
    return false;
  }
  minor = text[7] - '0';
  return true;
}

bool parse_content_length(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 18) {
    return false;
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = value;
  return true;
}

/// Transfer-Encoding ends in "chunked" (the only coding that frames a message).
bool final_coding_is_chunked(std::string_view list) {
  std::size_t comma = list.rfind(',');
  std::string_view last = trim_ows(comma == std::string_view::npos ? list : list.substr(comma + 1));
  return iequals(last, "chunked");
}

struct header_facts {
  bool content_length_seen = false;
  bool transfer_encoding_seen = false;
  std::string_view transfer_encoding;
};

/// Parses the header lines of `rest` into `head`, recording the fields the proxy
/// acts on. Returns ok or the reason to refuse the message.
parse_status parse_fields(std::string_view rest, const head_limits& limits, message_head& head,
                          header_facts& facts) {
  while (!rest.empty()) {
    std::string_view line = next_line(rest);
    if (line.empty()) {
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      return parse_status::bad_request;  // obsolete line folding (RFC 9112 5.2)
    }
    std::size_t colon = 0;
    while (colon < line.size() && is_tchar(line[colon])) {
      ++colon;
    }
    if (colon == 0 || colon >= line.size() || line[colon] != ':') {
      return parse_status::bad_request;
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim_ows(line.substr(colon + 1));
    for (char c : value) {
      if (!is_field_value_char(c)) {
        return parse_status::bad_request;
      }
    }
    if (head.headers.size() >= limits.max_headers) {
      return parse_status::header_too_large;
    }
    head.headers.push_back({name, value});

    if (iequals(name, "content-length")) {
      if (facts.content_length_seen || !parse_content_length(value, head.content_length)) {
        return parse_status::bad_request;
      }
      facts.content_length_seen = true;
      head.has_content_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      if (facts.transfer_encoding_seen) {
        return parse_status::bad_request;
      }
      facts.transfer_encoding_seen = true;
      facts.transfer_encoding = value;
    } else if (iequals(name, "connection")) {
      head.several_connection_fields |= !head.connection_raw.empty();
      head.connection_raw = value;
      head.connection.close |= list_contains_token(value, "close");
      head.connection.keep_alive |= list_contains_token(value, "keep-alive");
      head.connection.upgrade |= list_contains_token(value, "upgrade");
    } else if (iequals(name, "host")) {
      if (head.has_host || !is_valid_host(value)) {
        return parse_status::bad_request;
      }
      head.has_host = true;
      if (!head.absolute_form) {
        head.host = value;
      }
    } else if (iequals(name, "expect")) {
      head.expect_continue = iequals(value, "100-continue");
    } else if (iequals(name, "upgrade")) {
      head.upgrade = value;
    } else if (iequals(name, "x-request-id")) {
      head.request_id = value;
    }
  }
  return parse_status::ok;
}

}  // namespace

bool is_token_char(char c) {
  return is_tchar(c);
}

bool is_field_value_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') {
      x = static_cast<char>(x + 32);
    }
    if (y >= 'A' && y <= 'Z') {
      y = static_cast<char>(y + 32);
    }
    if (x != y) {
      return false;
    }
  }
  return true;
}

bool list_contains_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    if (iequals(trim_ows(list.substr(0, comma)), token)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return false;
}

void message_head::reset() {
  method = target = reason = upgrade = request_id = forwarded_for = connection_raw = host = {};
  status = 0;
  version_minor = 1;
  headers.clear();
  head_bytes = 0;
  framing = body_framing::none;
  content_length = 0;
  connection = {};
  expect_continue = false;
  has_content_length = false;
  has_host = false;
  absolute_form = false;
  several_connection_fields = false;
}

bool message_head::wants_keep_alive() const {
  if (connection.close) {
    return false;
  }
  return version_minor >= 1 || connection.keep_alive;
}

parse_status parse_request_head(std::string_view input, const head_limits& limits,
                                message_head& head) {
  head.reset();
  // RFC 9112 2.2: a server should ignore empty lines (CRLF) before the request line.
  std::size_t skipped = 0;
  while (input.substr(skipped, 2) == "\r\n") {
    skipped += 2;
  }
  std::size_t end = find_head_end(input.substr(skipped), line_ends::crlf_only);
  if (end == std::string_view::npos) {
    return parse_status::bad_request;
  }
  if (end == 0) {
    return input.size() > limits.max_head_bytes ? parse_status::header_too_large
                                                : parse_status::incomplete;
  }
  if (skipped + end > limits.max_head_bytes) {
    return parse_status::header_too_large;  // leading empty lines count too
  }
  std::string_view rest = input.substr(skipped, end);
  std::string_view line = next_line(rest);

  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp1 == 0) {
    return parse_status::bad_request;
  }
  head.method = line.substr(0, sp1);
  head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  for (char c : head.method) {
    if (!is_tchar(c)) {
      return parse_status::bad_request;
    }
  }
  if (head.target.empty()) {
    return parse_status::bad_request;
  }
  if (auto status = parse_request_version(line.substr(sp2 + 1), head.version_minor);
      status != parse_status::ok) {
    return status;
  }
  if (auto status = parse_request_target(head); status != parse_status::ok) {
    return status;
  }

  header_facts facts;
  if (auto status = parse_fields(rest, limits, head, facts); status != parse_status::ok) {
    return status;
  }
  if (head.version_minor == 1 && !head.has_host) {
    return parse_status::bad_request;  // RFC 9112 3.2: exactly one Host in HTTP/1.1
  }
  if (facts.transfer_encoding_seen) {
    // Both framings at once is the classic smuggling vector: refuse, never guess.
    if (facts.content_length_seen || head.version_minor == 0) {
      return parse_status::bad_request;
    }
    if (!iequals(facts.transfer_encoding, "chunked")) {
      return final_coding_is_chunked(facts.transfer_encoding) ? parse_status::not_implemented
                                                              : parse_status::bad_request;
    }
    head.framing = body_framing::chunked;
  } else if (facts.content_length_seen) {
    head.framing = body_framing::content_length;
  }
  head.head_bytes = skipped + end;
  return parse_status::ok;
}

parse_status parse_response_head(std::string_view input, const head_limits& limits,
                                 bool request_method_head, message_head& head) {
  head.reset();
  std::size_t end = find_head_end(input, line_ends::lf_or_crlf);
  if (end == 0) {
    return input.size() > limits.max_head_bytes ? parse_status::header_too_large
                                                : parse_status::incomplete;
  }
  if (end > limits.max_head_bytes) {
    return parse_status::header_too_large;
  }
  std::string_view rest = input.substr(0, end);
  std::string_view line = next_line(rest);
  if (line.size() < 12 || !parse_version(line.substr(0, 8), head.version_minor) || line[8] != ' ') {
    return parse_status::bad_request;
  }
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      return parse_status::bad_request;
    }
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || (line.size() > 12 && line[12] != ' ')) {
    return parse_status::bad_request;
  }
  head.status = status;
  head.reason = line.size() > 13 ? line.substr(13) : std::string_view{};
  // The reason is copied into the client's status line: a CR or NUL in it
  // would let an upstream inject header lines (RFC 9112 4: HTAB, SP, VCHAR, obs-text).
  for (char c : head.reason) {
    if (!is_field_value_char(c)) {
      return parse_status::bad_request;
    }
  }

  header_facts facts;
  if (auto status_code = parse_fields(rest, limits, head, facts); status_code != parse_status::ok) {
    return status_code;
  }
  head.head_bytes = end;
  if (status < 200 || status == 204 || status == 304 || request_method_head) {
    head.framing = body_framing::none;
  } else if (facts.transfer_encoding_seen) {
    if (facts.content_length_seen) {
      return parse_status::bad_request;
    }
    // The proxy re-encodes bodies, so it accepts only the coding it can decode:
    // a gzip-coded body read to close would reach the client unlabelled.
    if (!iequals(facts.transfer_encoding, "chunked")) {
      return parse_status::bad_request;
    }
    head.framing = body_framing::chunked;
  } else if (facts.content_length_seen) {
    head.framing = body_framing::content_length;
  } else {
    head.framing = body_framing::until_close;
  }
  return parse_status::ok;
}

}  // namespace quikedge::http
