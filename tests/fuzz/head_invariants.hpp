// Invariants every accepted HTTP/1.x head must satisfy, shared by the request and
// response fuzzers. Written without the parser's helpers, so a bug there shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/message_head.hpp"

namespace quikedge::fuzz {

inline char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

inline bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

// RFC 9110 5.6.2 tchar.
inline bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

inline bool is_token(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!is_tchar(c)) {
      return false;
    }
  }
  return true;
}

// RFC 9110 5.5 field-vchar / SP / HTAB / obs-text: no CTL but HTAB, no DEL.
// The same set is RFC 9112 4's reason-phrase.
inline bool is_clean_text(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) {
      return false;
    }
  }
  return true;
}

inline bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

/// How often the framing headers occur in a head.
struct header_counts {
  std::size_t content_length = 0;
  std::size_t transfer_encoding = 0;
  std::size_t host = 0;
  std::string_view last_content_length;
  std::string_view last_transfer_encoding;
};

/// Checks what holds for every accepted head, request or response, and counts
/// the framing headers for the caller's own framing checks.
inline header_counts check_accepted_head(std::string_view input, const http::head_limits& limits,
                                         const http::message_head& head) {
  FUZZ_CHECK(head.head_bytes > 0);
  FUZZ_CHECK(head.head_bytes <= input.size());
  FUZZ_CHECK(head.head_bytes <= limits.max_head_bytes);
  FUZZ_CHECK(input[head.head_bytes - 1] == '\n');  // a head ends with its blank line
  FUZZ_CHECK(head.headers.size() <= limits.max_headers);
  FUZZ_CHECK(head.version_minor >= 0 && head.version_minor <= 9);

  // Every view points into the head itself, never past it or elsewhere.
  const std::string_view bytes = input.substr(0, head.head_bytes);
  for (std::string_view view : {head.method, head.target, head.reason, head.upgrade,
                                head.request_id, head.forwarded_for, head.connection_raw}) {
    FUZZ_CHECK(is_inside(view, bytes));
    FUZZ_CHECK(is_clean_text(view));
  }

  header_counts counts;
  for (const http::header_field& field : head.headers) {
    FUZZ_CHECK(is_inside(field.name, bytes));
    FUZZ_CHECK(is_inside(field.value, bytes));
    FUZZ_CHECK(is_token(field.name));
    // No CR, LF or NUL can reach the next hop, and OWS is trimmed.
    FUZZ_CHECK(is_clean_text(field.value));
    FUZZ_CHECK(field.value.empty() ||
               (!is_ows(field.value.front()) && !is_ows(field.value.back())));
    if (same_name(field.name, "content-length")) {
      ++counts.content_length;
      counts.last_content_length = field.value;
    } else if (same_name(field.name, "transfer-encoding")) {
      ++counts.transfer_encoding;
      counts.last_transfer_encoding = field.value;
    } else if (same_name(field.name, "host")) {
      ++counts.host;
    }
  }
  // Duplicates of the framing headers are ambiguous and must be refused.
  FUZZ_CHECK(counts.content_length <= 1);
  FUZZ_CHECK(counts.transfer_encoding <= 1);
  FUZZ_CHECK(counts.host <= 1);
  FUZZ_CHECK(head.has_host == (counts.host == 1));

  if (counts.content_length == 1) {
    std::uint64_t value = 0;
    for (char c : counts.last_content_length) {
      FUZZ_CHECK(c >= '0' && c <= '9');
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    FUZZ_CHECK(!counts.last_content_length.empty());
    FUZZ_CHECK(head.content_length == value);
  }
  switch (head.framing) {
    case http::body_framing::chunked:
      FUZZ_CHECK(counts.content_length == 0);
      FUZZ_CHECK(counts.transfer_encoding == 1);
      break;
    case http::body_framing::content_length:
      FUZZ_CHECK(counts.content_length == 1);
      FUZZ_CHECK(counts.transfer_encoding == 0);
      break;
    case http::body_framing::none:
    case http::body_framing::until_close:
      break;
  }
  FUZZ_CHECK(is_inside(head.host, bytes));
  FUZZ_CHECK(is_clean_text(head.host));
  FUZZ_CHECK(head.has_content_length == (counts.content_length == 1));
  (void)head.wants_keep_alive();
  return counts;
}

inline bool same_view(std::string_view x, std::string_view y) {
  return x.size() == y.size() && (x.empty() || x.data() == y.data());
}

/// Field-by-field equality of two parses of the same bytes (views compared by
/// position, so a stale view from an earlier message shows up).
inline bool same_head(const http::message_head& a, const http::message_head& b) {
  if (a.headers.size() != b.headers.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    if (!same_view(a.headers[i].name, b.headers[i].name) ||
        !same_view(a.headers[i].value, b.headers[i].value)) {
      return false;
    }
  }
  return same_view(a.method, b.method) && same_view(a.target, b.target) && a.status == b.status &&
         same_view(a.reason, b.reason) && a.version_minor == b.version_minor &&
         a.head_bytes == b.head_bytes && a.framing == b.framing &&
         a.content_length == b.content_length && a.connection.close == b.connection.close &&
         a.connection.keep_alive == b.connection.keep_alive &&
         a.connection.upgrade == b.connection.upgrade &&
         a.connection.te_trailers == b.connection.te_trailers &&
         a.expect_continue == b.expect_continue && a.has_host == b.has_host &&
         same_view(a.upgrade, b.upgrade) && same_view(a.request_id, b.request_id) &&
         same_view(a.forwarded_for, b.forwarded_for) &&
         same_view(a.connection_raw, b.connection_raw) && same_view(a.host, b.host) &&
         a.absolute_form == b.absolute_form && a.has_content_length == b.has_content_length;
}

}  // namespace quikedge::fuzz
