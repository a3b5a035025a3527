// Request-line version and target checks.
#include "http/request_target.hpp"

#include "http/char_classes.hpp"

namespace quikedge::http {
namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

}  // namespace

bool is_valid_host(std::string_view host) {
  for (char c : host) {
    if (!host_table[static_cast<unsigned char>(c)]) {
      return false;
    }
  }
  return true;
}

/// Requests: HTTP/1.0 and HTTP/1.1 only. A well-formed other version (HTTP/2.0
/// sent as text, HTTP/1.2) gets 505; anything else (HTTP/0.9 has no version,
/// "http/1.1", "HTTP/1.10") is malformed.
parse_status parse_request_version(std::string_view text, int& minor) {
  if (text == "HTTP/1.1" || text == "HTTP/1.0") {
    minor = text[7] - '0';
    return parse_status::ok;
  }
  const bool shaped = text.size() == 8 && text.substr(0, 5) == "HTTP/" && text[5] >= '0' &&
                      text[5] <= '9' && text[6] == '.' && text[7] >= '0' && text[7] <= '9';
  return shaped ? parse_status::bad_version : parse_status::bad_request;
}

/// Checks the request target's form (RFC 9112 3.2) and turns an absolute-form
/// target into its path (head.target) and authority (head.host).
parse_status parse_request_target(message_head& head) {
  if (head.method == "CONNECT") {
    // A reverse proxy opens no tunnels; forwarded, CONNECT would let an upstream
    // that is itself a proxy turn a pooled connection into one (501, as HTTP/2).
    return parse_status::not_implemented;
  }
  std::string_view target = head.target;
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#') {
      return parse_status::bad_request;
    }
  }
  if (target.front() == '/') {
    return parse_status::ok;
  }
  if (target == "*") {
    return head.method == "OPTIONS" ? parse_status::ok : parse_status::bad_request;
  }
  std::size_t scheme = iequals_prefix(target, "http://")    ? 7
                       : iequals_prefix(target, "https://") ? 8
                                                            : 0;
  if (scheme == 0) {
    return parse_status::bad_request;  // authority-form (CONNECT) or garbage
  }
  std::string_view rest = target.substr(scheme);
  std::size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  if (authority.empty() || !is_valid_host(authority)) {
    return parse_status::bad_request;
  }
  head.host = authority;
  head.target = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  head.absolute_form = true;
  return parse_status::ok;
}

}  // namespace quikedge::http
