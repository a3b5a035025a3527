// SNI name lookup.
#include "tls/server_names.hpp"

namespace quikedge::tls {

std::string normalize_host(std::string_view host) {
  if (host.ends_with('.')) {
    host.remove_suffix(1);
  }
  std::string out(host);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

void server_names::add(std::string_view name, std::size_t index) {
  std::string normal = normalize_host(name);
  if (normal.starts_with("*.")) {
    wildcard_.try_emplace(normal.substr(2), index);
  } else if (!normal.empty()) {
    exact_.try_emplace(std::move(normal), index);
  }
}

std::optional<std::size_t> server_names::find(std::string_view host) const {
  // Handshake path, once per connection: one small string, not per request.
  std::string normal = normalize_host(host);
  if (auto it = exact_.find(normal); it != exact_.end()) {
    return it->second;
  }
  const auto dot = normal.find('.');
  if (dot == std::string::npos || dot == 0) {
    return std::nullopt;
  }
  if (auto it = wildcard_.find(normal.substr(dot + 1)); it != wildcard_.end()) {
    return it->second;
  }
  return std::nullopt;
}

}  // namespace quikedge::tls
