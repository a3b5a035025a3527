// Proves parse_request_head survives any bytes and that an accepted head is exact:
// clean names and values, one framing, self-delimiting, and independent of limits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "head_invariants.hpp"
#include "http/message_head.hpp"

namespace {

using namespace quikedge;
using http::parse_status;

// The proxy's defaults, and limits small enough for the fuzzer's inputs to hit.
constexpr http::head_limits default_limits{};
constexpr http::head_limits tight_limits{256, 8};

void check_request(std::string_view input, const http::head_limits& limits,
                   const http::message_head& head) {
  fuzz::header_counts counts = fuzz::check_accepted_head(input, limits, head);
  FUZZ_CHECK(fuzz::is_token(head.method));
  for (char c : head.target) {
    FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
  }
  // Origin-form, "*" for OPTIONS, or absolute-form reduced to its path and query
  // (possibly empty) with the authority in `host`.
  if (head.absolute_form) {
    FUZZ_CHECK(!head.host.empty());
    FUZZ_CHECK(head.target.empty() || head.target.front() == '/' || head.target.front() == '?');
  } else {
    FUZZ_CHECK(!head.target.empty());
    FUZZ_CHECK(head.target.front() == '/' || (head.target == "*" && head.method == "OPTIONS"));
  }
  FUZZ_CHECK(head.version_minor == 0 || head.version_minor == 1);
  FUZZ_CHECK(head.version_minor == 0 || head.has_host);  // RFC 9112 3.2
  // Every line ends in CRLF: a bare LF is where two parsers can disagree.
  for (std::size_t i = 0; i < head.head_bytes; ++i) {
    FUZZ_CHECK(input[i] != '\n' || (i > 0 && input[i - 1] == '\r'));
  }
  FUZZ_CHECK(head.status == 0);
  // A request body is delimited by its headers or absent, never by the close.
  FUZZ_CHECK(head.framing != http::body_framing::until_close);
  if (head.framing == http::body_framing::none) {
    FUZZ_CHECK(counts.content_length == 0 && counts.transfer_encoding == 0);
  }
  if (head.framing == http::body_framing::chunked) {
    FUZZ_CHECK(fuzz::same_name(counts.last_transfer_encoding, "chunked"));
    FUZZ_CHECK(head.version_minor >= 1);
  }
}

/// Parses `input` into a head reused across inputs and into a fresh one: reset()
/// must leave nothing of the previous message behind.
parse_status parse_twice(std::string_view input, const http::head_limits& limits,
                         http::message_head& reused) {
  http::message_head fresh;
  parse_status status = http::parse_request_head(input, limits, fresh);
  FUZZ_CHECK(http::parse_request_head(input, limits, reused) == status);
  FUZZ_CHECK(fuzz::same_head(fresh, reused));
  return status;
}

void check_with_limits(std::string_view input, const http::head_limits& limits,
                       http::message_head& head) {
  parse_status status = parse_twice(input, limits, head);
  if (status == parse_status::incomplete) {
    // Waiting for more bytes is bounded by the limit, or a client could make
    // the proxy buffer forever.
    FUZZ_CHECK(input.size() <= limits.max_head_bytes);
    return;
  }
  if (status != parse_status::ok) {
    return;
  }
  check_request(input, limits, head);

  // The head delimits itself: the bytes after it (the body or the next
  // pipelined request) change nothing, and any shorter prefix is incomplete.
  const http::message_head whole = head;
  http::message_head alone;
  const std::string_view bytes = input.substr(0, whole.head_bytes);
  FUZZ_CHECK(http::parse_request_head(bytes, limits, alone) == parse_status::ok);
  FUZZ_CHECK(fuzz::same_head(whole, alone));
  FUZZ_CHECK(http::parse_request_head(bytes.substr(0, bytes.size() - 1), limits, alone) ==
             parse_status::incomplete);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static http::message_head reused;

  check_with_limits(input, default_limits, reused);
  http::message_head with_defaults = reused;
  parse_status loose = http::parse_request_head(input, default_limits, with_defaults);

  check_with_limits(input, tight_limits, reused);
  parse_status tight = http::parse_request_head(input, tight_limits, reused);
  // Tighter limits may only turn an answer into 431, never change what a head means.
  if (tight != parse_status::header_too_large) {
    FUZZ_CHECK(loose == tight);
  }
  if (tight == parse_status::ok) {
    FUZZ_CHECK(fuzz::same_head(reused, with_defaults));
  }
  return 0;
}
