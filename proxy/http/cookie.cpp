// Cookie parsing and sticky cookie formatting.
#include "http/cookie.hpp"

namespace quikedge::http {

std::optional<std::string_view> find_header(const message_head& head, std::string_view name) {
  for (const auto& field : head.headers) {
    if (iequals(field.name, name)) {
      return field.value;
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> find_cookie(const message_head& head, std::string_view name) {
  for (const auto& field : head.headers) {
    if (!iequals(field.name, "cookie")) {
      continue;
    }
    std::string_view rest = field.value;
    while (!rest.empty()) {
      std::size_t semicolon = rest.find(';');
      std::string_view pair = rest.substr(0, semicolon);
      rest.remove_prefix(semicolon == std::string_view::npos ? rest.size() : semicolon + 1);
      while (!pair.empty() && pair.front() == ' ') {
        pair.remove_prefix(1);
      }
      std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos || pair.substr(0, eq) != name) {
        continue;
      }
      std::string_view value = pair.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') {
        value.remove_suffix(1);
      }
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
  }
  return std::nullopt;
}

void write_sticky_cookie(std::string& out, std::string_view name, std::string_view value,
                         std::chrono::milliseconds ttl, bool secure) {
  out.clear();
  out.append(name);
  out.push_back('=');
  out.append(value);
  out.append("; Path=/; Max-Age=");
  out.append(std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ttl).count()));
  out.append("; HttpOnly; SameSite=Lax");
  if (secure) {
    out.append("; Secure");
  }
}

}  // namespace quikedge::http
