// Serialization of the bench request.
#include "load/request_template.hpp"

#include "common/http_text.hpp"
#include "common/pattern.hpp"

namespace quikedge::bench::load {
namespace {

// Bodies up to this size are sent in the same write as the head.
constexpr std::uint64_t max_inline_body = 64 * 1024;

bool has_header(const bench_options& options, std::string_view wanted) {
  for (const std::string& header : options.headers) {
    std::string_view name;
    std::string_view value;
    if (split_header(header, name, value) && iequals(name, wanted)) {
      return true;
    }
  }
  return false;
}

}  // namespace

request_template::request_template(const bench_options& options) {
  is_head_ = options.method == "HEAD";
  bytes_ = options.method + " " + options.target.target + " HTTP/1.1\r\n";
  if (!has_header(options, "host")) {
    bytes_ += "Host: " + options.target.authority + "\r\n";
  }
  for (const std::string& header : options.headers) {
    bytes_ += header + "\r\n";
  }
  // Methods that usually carry a body get an explicit length even when it is empty.
  const bool wants_length =
      options.method == "POST" || options.method == "PUT" || options.method == "PATCH";
  const std::uint64_t body = options.body_size.value_or(0);
  if ((body > 0 || wants_length) && !has_header(options, "content-length") &&
      !has_header(options, "transfer-encoding")) {
    bytes_ += "Content-Length: " + std::to_string(body) + "\r\n";
  }
  bytes_ += "\r\n";
  if (body <= max_inline_body) {
    bytes_ += pattern_string(static_cast<std::size_t>(body));
  } else {
    streamed_body_ = body;
  }
}

}  // namespace quikedge::bench::load
