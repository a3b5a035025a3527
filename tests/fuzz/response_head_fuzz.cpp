// Proves parse_response_head survives any bytes and that an accepted head is exact:
// clean status line and fields, one framing, and HEAD/1xx/204/304 never carry a body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "head_invariants.hpp"
#include "http/message_head.hpp"

namespace {

using namespace quikedge;
using http::body_framing;
using http::parse_status;

constexpr http::head_limits default_limits{};
constexpr http::head_limits tight_limits{256, 8};

/// The last element of a comma-separated list, without OWS.
std::string_view last_element(std::string_view list) {
  std::size_t comma = list.rfind(',');
  std::string_view last = comma == std::string_view::npos ? list : list.substr(comma + 1);
  while (!last.empty() && fuzz::is_ows(last.front())) {
    last.remove_prefix(1);
  }
  while (!last.empty() && fuzz::is_ows(last.back())) {
    last.remove_suffix(1);
  }
  return last;
}

void check_response(std::string_view input, const http::head_limits& limits, bool to_head,
                    const http::message_head& head) {
  fuzz::header_counts counts = fuzz::check_accepted_head(input, limits, head);
  FUZZ_CHECK(input.substr(0, 7) == "HTTP/1.");
  FUZZ_CHECK(head.status >= 100 && head.status <= 999);
  FUZZ_CHECK(head.method.empty() && head.target.empty());

  // RFC 9112 6.3 rules 1 and 2: these responses end at their head.
  const bool bodiless = to_head || head.status < 200 || head.status == 204 || head.status == 304;
  FUZZ_CHECK(bodiless == (head.framing == body_framing::none));
  if (head.framing == body_framing::chunked) {
    FUZZ_CHECK(fuzz::same_name(last_element(counts.last_transfer_encoding), "chunked"));
  }
  if (head.framing == body_framing::until_close) {
    FUZZ_CHECK(counts.content_length == 0);
    FUZZ_CHECK(counts.transfer_encoding == 0 ||
               !fuzz::same_name(last_element(counts.last_transfer_encoding), "chunked"));
  }
}

parse_status parse(std::string_view input, const http::head_limits& limits, bool to_head,
                   http::message_head& head) {
  return http::parse_response_head(input, limits, to_head, head);
}

/// Checks one parse of `input`; returns its status and leaves the head in `head`.
parse_status check_one(std::string_view input, const http::head_limits& limits, bool to_head,
                       http::message_head& head) {
  // `head` is reused across inputs: reset() must leave nothing behind.
  http::message_head fresh;
  parse_status status = parse(input, limits, to_head, fresh);
  FUZZ_CHECK(parse(input, limits, to_head, head) == status);
  FUZZ_CHECK(fuzz::same_head(fresh, head));
  if (status == parse_status::incomplete) {
    FUZZ_CHECK(input.size() <= limits.max_head_bytes);
  }
  if (status != parse_status::ok) {
    return status;
  }
  check_response(input, limits, to_head, head);

  // Self-delimiting: the body bytes after the head change nothing, and a
  // shorter prefix is incomplete.
  http::message_head alone;
  const std::string_view bytes = input.substr(0, head.head_bytes);
  FUZZ_CHECK(parse(bytes, limits, to_head, alone) == parse_status::ok);
  FUZZ_CHECK(fuzz::same_head(head, alone));
  FUZZ_CHECK(parse(bytes.substr(0, bytes.size() - 1), limits, to_head, alone) ==
             parse_status::incomplete);
  return status;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static http::message_head reused;

  parse_status loose[2] = {};
  int round = 0;
  for (const http::head_limits& limits : {default_limits, tight_limits}) {
    parse_status to_get = check_one(input, limits, false, reused);
    http::message_head get_head = reused;
    parse_status to_head = check_one(input, limits, true, reused);
    // Answering HEAD only drops the body: a head accepted for GET is accepted
    // for HEAD with the same fields.
    if (to_get == parse_status::ok) {
      FUZZ_CHECK(to_head == parse_status::ok);
      get_head.framing = body_framing::none;
      FUZZ_CHECK(fuzz::same_head(get_head, reused));
    }
    if (round == 0) {
      loose[0] = to_get;
      loose[1] = to_head;
    } else {
      // Tighter limits may only turn an answer into header_too_large.
      FUZZ_CHECK(to_get == parse_status::header_too_large || to_get == loose[0]);
      FUZZ_CHECK(to_head == parse_status::header_too_large || to_head == loose[1]);
    }
    ++round;
  }
  return 0;
}
