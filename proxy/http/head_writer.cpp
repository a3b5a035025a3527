// Header rewriting between client and upstream.
#include "http/head_writer.hpp"

#include <charconv>

namespace quikedge::http {
namespace {

bool is_hop_by_hop(std::string_view name) {
  return iequals(name, "connection") || iequals(name, "keep-alive") ||
         iequals(name, "proxy-connection") || iequals(name, "te") || iequals(name, "upgrade") ||
         iequals(name, "transfer-encoding") || iequals(name, "trailer");
}

/// Headers the sender listed in Connection are hop-by-hop too (RFC 9110 7.6.1).
bool named_by_connection(const message_head& head, std::string_view name) {
  if (!head.several_connection_fields) {
    return !head.connection_raw.empty() && list_contains_token(head.connection_raw, name);
  }
  // Several Connection lines form one list (RFC 9110 5.3): a name in any of them
  // is hop-by-hop, not only one in the last.
  for (const auto& field : head.headers) {
    if (iequals(field.name, "connection") && list_contains_token(field.value, name)) {
      return true;
    }
  }
  return false;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

/// Fields the proxy writes itself from what it parsed: the framing it chose for
/// the body and the Host it routed by. Copying the sender's lines instead would
/// let `Connection: Content-Length` strip the framing while the body still flows,
/// and the next hop would read that body as another message.
bool written_by_proxy(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "host");
}

/// Headers the proxy acts on keep their meaning whatever Connection says.
bool removable_by_connection(std::string_view name) {
  return !iequals(name, "x-request-id");
}

void append_framing(std::string& out, const message_head& head) {
  if (head.framing == body_framing::chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (head.has_content_length) {
    out.append("Content-Length: ");
    append_number(out, head.content_length);
    out.append("\r\n");
  }
}

/// Fields besides X-Forwarded-For through which a proxy in front tells the
/// upstream who the client is and what it asked for (RFC 7239 Forwarded and
/// the de-facto X-Forwarded-Host, X-Real-IP). Upstreams trust them as they
/// trust X-Forwarded-For, so they are only kept from trusted peers.
bool claims_client_identity(std::string_view name) {
  return iequals(name, "forwarded") || iequals(name, "x-forwarded-host") ||
         iequals(name, "x-real-ip");
}

}  // namespace

std::string_view known_reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return {};
  }
}

std::string_view reason_phrase(int status) {
  std::string_view known = known_reason_phrase(status);
  return known.empty() ? std::string_view("Unknown") : known;
}

void write_upstream_request_head(const message_head& request, const upstream_request_facts& facts,
                                 std::string& out) {
  out.clear();
  out.append(request.method);
  out.push_back(' ');
  // An absolute-form target goes upstream as origin-form, its authority as Host
  // (RFC 9112 3.2.2), so the upstream cannot pick a different host than we did.
  if (request.target.empty() || request.target.front() == '?') {
    out.push_back('/');
  }
  out.append(request.target);
  out.append(request.version_minor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  append_header(out, "Host",
                request.has_host || request.absolute_form ? request.host : facts.host_fallback);

  // Several X-Forwarded-For lines form one list: they are joined into one line,
  // written after the other fields, with the client's address last.
  std::size_t forwarded_for_count = 0;
  for (const auto& field : request.headers) {
    if (written_by_proxy(field.name) || is_hop_by_hop(field.name) ||
        (named_by_connection(request, field.name) && removable_by_connection(field.name)) ||
        iequals(field.name, "expect") || iequals(field.name, "x-forwarded-proto")) {
      continue;  // Expect is answered by the proxy itself; the rest are replaced below
    }
    if (iequals(field.name, "x-forwarded-for")) {
      ++forwarded_for_count;
      continue;
    }
    if (!facts.keep_forwarded_for && claims_client_identity(field.name)) {
      continue;  // from a peer outside trusted_proxies: a client forging its address or host
    }
    out.append(field.name);
    out.append(": ");
    out.append(field.value);
    out.append("\r\n");
  }
  out.append("X-Forwarded-For: ");
  if (forwarded_for_count > 0 && facts.keep_forwarded_for) {
    for (const auto& field : request.headers) {
      if (iequals(field.name, "x-forwarded-for") && !field.value.empty()) {
        out.append(field.value);
        out.append(", ");
      }
    }
  }
  out.append(facts.client_ip);
  out.append("\r\n");
  append_header(out, "X-Forwarded-Proto", facts.client_tls ? "https" : "http");
  if (request.request_id.empty()) {
    append_header(out, "X-Request-Id", facts.request_id);
  }
  append_framing(out, request);
  if (facts.websocket) {
    out.append("Connection: Upgrade\r\nUpgrade: websocket\r\n");
  } else if (request.version_minor == 0) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

void write_client_response_head(const message_head& response, const client_response_facts& facts,
                                std::string& out) {
  out.clear();
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::uint64_t>(response.status));
  out.push_back(' ');
  out.append(response.reason);
  out.append("\r\n");
  for (const auto& field : response.headers) {
    if (iequals(field.name, "content-length") || is_hop_by_hop(field.name) ||
        named_by_connection(response, field.name)) {
      continue;
    }
    if (!facts.stack_header.empty() && iequals(field.name, facts.stack_header)) {
      continue;  // the proxy's own value wins
    }
    out.append(field.name);
    out.append(": ");
    out.append(field.value);
    out.append("\r\n");
  }
  if (!facts.stack_header.empty() && !facts.stack_name.empty()) {
    append_header(out, facts.stack_header, facts.stack_name);
  }
  if (!facts.set_cookie.empty()) {
    append_header(out, "Set-Cookie", facts.set_cookie);
  }
  // 1xx and 204 never carry Content-Length (RFC 9110 8.6); a 304 or a response
  // to HEAD keeps it as the size the resource would have.
  if (response.status >= 200 && response.status != 204) {
    append_framing(out, response);
  }
  if (facts.upgrade) {
    out.append("Connection: Upgrade\r\nUpgrade: websocket\r\n");
  } else if (!facts.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (facts.client_version_minor == 0) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

void write_error_response(int status, bool close, std::string& out) {
  out.clear();
  std::string_view reason = reason_phrase(status);
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::uint64_t>(status));
  out.push_back(' ');
  out.append(reason);
  out.append("\r\nContent-Type: text/plain\r\nContent-Length: ");
  append_number(out, 4 + reason.size() + 1);
  out.append(close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n");
  append_number(out, static_cast<std::uint64_t>(status));
  out.push_back(' ');
  out.append(reason);
  out.push_back('\n');
}

}  // namespace quikedge::http
