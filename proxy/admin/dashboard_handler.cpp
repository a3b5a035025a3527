// GET /: placeholder until the dashboard page lands.
#include "admin/handlers.hpp"

namespace quikedge::admin {

void handle_dashboard(control_plane&, const call& c, const respond_fn& respond) {
  response res{http::status::ok, c.message.version()};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.keep_alive(c.message.keep_alive());
  res.body() = "<!doctype html><title>quikedge</title><p>quikedge admin</p>\n";
  res.prepare_payload();
  respond(std::move(res));
}

}  // namespace quikedge::admin
