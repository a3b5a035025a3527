// Maps admin requests to handlers and enforces the API's rules before any
// handler runs: methods, bearer-token roles (401/403) and, for changes,
// Content-Type: application/json (415) so a browser page cannot forge them;
// and `?wait=fleet` on a change (fleet_wait), for every change endpoint alike.
#pragma once

#include <string>

#include "admin/admin_context.hpp"
#include "admin/admin_types.hpp"

namespace quikedge::admin {

class admin_router {
 public:
  explicit admin_router(admin_context ctx) : ctx_(ctx) {}

  /// Handles one request from `client`; `respond` may be called later.
  void dispatch(const request& req, const std::string& client, respond_fn respond);

 private:
  admin_context ctx_;
};

}  // namespace quikedge::admin
