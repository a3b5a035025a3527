// Maps admin requests to handlers and enforces the API's rules before any
// handler runs: methods, bearer-token roles (401/403) and, for changes,
// Content-Type: application/json (415) so a browser page cannot forge them.
#pragma once

#include <string>

#include "admin/admin_types.hpp"
#include "server/control_plane.hpp"

namespace quikedge::admin {

class admin_router {
 public:
  explicit admin_router(server::control_plane& control) : control_(control) {}

  /// Handles one request from `client`; `respond` may be called later.
  void dispatch(const request& req, const std::string& client, respond_fn respond);

 private:
  server::control_plane& control_;
};

}  // namespace quikedge::admin
