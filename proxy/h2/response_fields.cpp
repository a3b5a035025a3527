#include "h2/response_fields.hpp"

#include <cstdio>

namespace quikedge::h2 {

bool connection_specific(std::string_view name) {
  return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
         name == "transfer-encoding" || name == "upgrade" || name == "te";
}

void response_fields(const http::message_head& head, std::string& storage,
                     std::vector<response_field>& fields) {
  storage.clear();
  fields.clear();
  std::size_t size = 3;
  for (const auto& field : head.headers) {
    size += field.name.size();
  }
  storage.reserve(size);
  char digits[4];
  std::snprintf(digits, sizeof digits, "%03d", head.status % 1000);
  storage.append(digits, 3);
  fields.push_back({":status", std::string_view(storage.data(), 3)});
  for (const auto& field : head.headers) {
    const std::size_t start = storage.size();
    for (char c : field.name) {
      storage.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    const std::string_view name(storage.data() + start, field.name.size());
    if (connection_specific(name)) {
      continue;
    }
    fields.push_back({name, field.value});
  }
}

}  // namespace quikedge::h2
