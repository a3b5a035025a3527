// Formatting of response heads: status line, framing and connection headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace quikedge::bench::upstream {

// How the end of the body is marked.
enum class framing { length, chunked, close_delimited };

struct response_spec {
  int status = 200;
  framing body_framing = framing::length;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
  // An HTTP/1.0 client keeps the connection only if told so with Connection: keep-alive.
  bool http10_client = false;
  std::string_view content_type = "text/plain";
};

// Appends the head of a response to `out`. 1xx, 204 and 304 get no framing headers
// because they never carry a body (RFC 9110 section 6.4.1).
void append_response_head(std::string& out, const response_spec& spec,
                          std::string_view extra_headers);

// Appends the interim "100 Continue" response.
void append_continue(std::string& out);

// Appends the size line of one chunk.
void append_chunk_size(std::string& out, std::uint64_t size);

// The status's reason phrase (http::known_reason_phrase), "Status" for an uncommon one.
[[nodiscard]] std::string_view reason_phrase(int status);

// True for statuses that never carry a body.
[[nodiscard]] inline bool status_has_no_body(int status) {
  return status < 200 || status == 204 || status == 304;
}

}  // namespace quikedge::bench::upstream
