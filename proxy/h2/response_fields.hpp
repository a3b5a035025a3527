// The header list of an HTTP/2 response, from the HTTP/1.1 response head the
// upstream exchange wrote for the client: names lower-cased (HTTP/2 requires
// it), connection-specific fields dropped. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message_head.hpp"

namespace quikedge::h2 {

struct response_field {
  std::string_view name;
  std::string_view value;
};

/// Fills `fields` with :status then the head's fields. Names and the status
/// digits are written into `storage`, which the views point into (it is
/// sized up front so that it never moves). Both are cleared first.
void response_fields(const http::message_head& head, std::string& storage,
                     std::vector<response_field>& fields);

/// True for fields that HTTP/2 forbids (RFC 9113 8.2.2).
[[nodiscard]] bool connection_specific(std::string_view lower_name);

}  // namespace quikedge::h2
