// Zero-copy HTTP/1.x message heads: views into the connection's read buffer,
// valid until that buffer is consumed. Parsing is strict where leniency lets two
// parsers disagree about where a message ends (request smuggling).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace quikedge::http {

struct header_field {
  std::string_view name;
  std::string_view value;
};

/// How the body of a message is delimited.
enum class body_framing : std::uint8_t { none, content_length, chunked, until_close };

enum class parse_status : std::uint8_t {
  ok,
  incomplete,        ///< need more bytes
  bad_request,       ///< malformed or ambiguous: 400 and close
  header_too_large,  ///< 431
  not_implemented,   ///< unsupported Transfer-Encoding: 501
  bad_version,       ///< a protocol version other than HTTP/1.x: 505
};

/// Connection-level facts gathered while parsing, so later phases never rescan.
struct connection_flags {
  bool close = false;
  bool keep_alive = false;
  bool upgrade = false;
  bool te_trailers = false;
};

struct message_head {
  // Request line or status line.
  std::string_view method;
  std::string_view target;
  int status = 0;
  std::string_view reason;
  int version_minor = 1;

  std::vector<header_field> headers;  ///< capacity is kept between messages
  std::size_t head_bytes = 0;         ///< length of the head including the blank line

  body_framing framing = body_framing::none;
  std::uint64_t content_length = 0;
  connection_flags connection;
  bool expect_continue = false;
  bool has_content_length = false;  ///< content_length holds the header's value
  bool has_host = false;
  std::string_view host;            ///< Host value, or the authority of an absolute-form target
  bool absolute_form = false;       ///< the target was absolute-form; `target` is its path
  std::string_view upgrade;         ///< value of the Upgrade header
  std::string_view request_id;      ///< X-Request-Id
  std::string_view forwarded_for;   ///< X-Forwarded-For
  std::string_view connection_raw;  ///< Connection header value (names hop-by-hop headers)
  bool several_connection_fields = false;  ///< then every Connection line counts, not only the last

  void reset();
  /// True when the sender expects the connection to stay open after this message.
  [[nodiscard]] bool wants_keep_alive() const;
};

/// Limits applied while parsing one head.
struct head_limits {
  std::size_t max_head_bytes = 65536;
  std::size_t max_headers = 128;
};

/// Parses a request head at the start of `input`. On `ok`, `head` views into
/// `input` and head.head_bytes says how much of it the head used. Stricter than
/// RFC 9112 allows a server to be, because a backend behind the proxy may be
/// lenient in other ways: lines must end in CRLF, HTTP/1.1 needs exactly one
/// valid Host, the target must be origin-form, absolute-form (then `target` is
/// its path and `host` its authority) or `*` for OPTIONS.
parse_status parse_request_head(std::string_view input, const head_limits& limits,
                                message_head& head);

/// Parses a response head. `request_method_head` marks a response to HEAD, which
/// never has a body whatever its headers say.
parse_status parse_response_head(std::string_view input, const head_limits& limits,
                                 bool request_method_head, message_head& head);

/// RFC 9110 tchar: a character of a method, header name or token.
bool is_token_char(char c);

/// A character a field value may hold: visible ASCII, obs-text, SP and HTAB.
bool is_field_value_char(char c);

/// Case-insensitive ASCII comparison for header names and tokens.
bool iequals(std::string_view a, std::string_view b);

/// True when the comma-separated list `list` contains `token` (case-insensitive).
bool list_contains_token(std::string_view list, std::string_view token);

}  // namespace quikedge::http
