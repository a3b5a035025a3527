// The dashboard's response policy. The page itself lives in admin/dashboard/
// (index.html, dashboard.css, dashboard.js); cmake/embed_dashboard.cmake inlines
// the two assets into the HTML at build time and defines dashboard_page() in a
// generated source. Rates, error rates and p99 are computed in the browser from
// /metrics deltas between refreshes, so the proxy keeps no extra state for it.
#include "admin/dashboard_page.hpp"

namespace quikedge::admin {

std::string_view dashboard_content_security_policy() {
  return "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
         "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'none'";
}

}  // namespace quikedge::admin
