#include "h2/request_head_builder.hpp"

#include "http/message_head.hpp"

namespace quikedge::h2 {
namespace {

/// Fields that mean something only on one HTTP/1 connection, or that the
/// proxy answers itself (Expect: there is no 100 Continue to wait for).
bool dropped(std::string_view name) {
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
         name == "transfer-encoding" || name == "upgrade" || name == "te" || name == "expect" ||
         name == "http2-settings";
}

}  // namespace

void request_head_builder::add(std::string_view name, std::string_view value) {
  bytes_ += name.size() + value.size() + 32;
  if (bytes_ > max_bytes_) {
    too_large_ = true;
  }
  if (too_large_) {
    return;  // nothing more is kept: an HPACK bomb costs no memory here
  }
  if (!name.empty() && name.front() == ':') {
    if (name == ":method") {
      method_.assign(value);
    } else if (name == ":path") {
      path_.assign(value);
    } else if (name == ":authority") {
      authority_.assign(value);
    } else if (name == ":scheme") {
      // Otherwise unused (X-Forwarded-Proto comes from the listener), but for any
      // other scheme nghttp2 lets a :path through that is not origin-form.
      bad_scheme_ |= value != "http" && value != "https";
    }
    return;
  }
  if (name == "host") {
    host_.assign(value);
    return;
  }
  if (name == "cookie") {
    if (!cookies_.empty()) {
      cookies_ += "; ";
    }
    cookies_ += value;
    return;
  }
  if (dropped(name)) {
    return;
  }
  if (name == "content-length") {
    has_content_length_ = true;
  }
  fields_ += name;
  fields_ += ": ";
  fields_ += value;
  fields_ += "\r\n";
}

int request_head_builder::finish(bool has_body, std::string& out) const {
  if (method_ == "CONNECT") {
    return 501;
  }
  const std::string& host = authority_.empty() ? host_ : authority_;
  if (method_.empty() || path_.empty() || host.empty() || bad_scheme_) {
    return 400;
  }
  // A host field naming another authority than :authority is malformed (RFC 9113
  // 8.3.1). Forwarding one of the two would let the client choose which name the
  // upstream serves and which one anything that read the other saw.
  if (!authority_.empty() && !host_.empty() && !http::iequals(authority_, host_)) {
    return 400;
  }
  // Origin-form only (or "*" for OPTIONS), as an HTTP/1 upstream expects: an
  // absolute-form :path would name a host of its own past :authority.
  if (path_.front() != '/' && !(path_ == "*" && method_ == "OPTIONS")) {
    return 400;
  }
  out.reserve(out.size() + method_.size() + path_.size() + host.size() + fields_.size() +
              cookies_.size() + 64);
  out += method_;
  out += ' ';
  out += path_;
  out += " HTTP/1.1\r\nhost: ";
  out += host;
  out += "\r\n";
  out += fields_;
  if (!cookies_.empty()) {
    out += "cookie: ";
    out += cookies_;
    out += "\r\n";
  }
  if (has_body && !has_content_length_) {
    out += "transfer-encoding: chunked\r\n";
  }
  out += "\r\n";
  return 0;
}

}  // namespace quikedge::h2
