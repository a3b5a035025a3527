// GET /: the live dashboard page (admin/dashboard/, embedded at build time). It is public like
// /metrics: the page holds no data; its API calls carry the token the user types into it.
#include "admin/dashboard_page.hpp"
#include "admin/handlers.hpp"

namespace quikedge::admin {

void handle_dashboard(control_plane&, const call& c, const respond_fn& respond) {
  response res{http::status::ok, c.message.version()};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  // The CSP lets only the page's own script and style run and lets the page reach only
  // its own origin, so it cannot leak the token or load anything from outside even if
  // a stack name held markup.
  res.set("Content-Security-Policy", dashboard_content_security_policy());
  // The page has buttons that change routing: no other site may frame it
  // (frame-ancestors 'none' in the CSP; this header for browsers without it).
  res.set("X-Frame-Options", "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(http::field::cache_control, "no-cache");
  res.keep_alive(c.message.keep_alive());
  res.body() = std::string(dashboard_page());
  res.prepare_payload();
  respond(std::move(res));
}

}  // namespace quikedge::admin
