// Writes an HTTP/2 request's header list as the HTTP/1.1 head the proxy's
// parser and upstream exchange already understand, so a stream is routed,
// limited and forwarded exactly like an HTTP/1 request: :method and :path make
// the request line, :authority the Host, cookie crumbs (RFC 9113 8.2.3) are
// joined, connection-specific fields are dropped (nghttp2 already refuses most
// of them as malformed), and a body without Content-Length is framed chunked.
// Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace quikedge::h2 {

class request_head_builder {
 public:
  /// `max_bytes`: limits.max_request_header_bytes; past it the list is refused (431).
  explicit request_head_builder(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  void add(std::string_view name, std::string_view value);

  /// Over the header size limit: answer 431 without building.
  [[nodiscard]] bool too_large() const { return too_large_; }

  /// Appends the head to `out`. `has_body`: the HEADERS frame did not end the
  /// stream. Returns 0, or the status to answer (400: a required pseudo-header
  /// is missing; 501: CONNECT, which the proxy does not tunnel over HTTP/2).
  [[nodiscard]] int finish(bool has_body, std::string& out) const;

 private:
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;  ///< name + value + 32 per field, as SETTINGS_MAX_HEADER_LIST_SIZE counts
  bool too_large_ = false;
  bool bad_scheme_ = false;  ///< a :scheme other than http or https
  bool has_content_length_ = false;
  std::string method_;
  std::string path_;
  std::string authority_;
  std::string host_;
  std::string fields_;   ///< "name: value\r\n" of the regular fields kept
  std::string cookies_;  ///< crumbs joined with "; "
};

}  // namespace quikedge::h2
