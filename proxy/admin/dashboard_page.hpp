// The live dashboard served at GET / on the admin port: one self-contained HTML
// page (styles and script inline, no external assets), built from the web files
// in admin/dashboard/ by cmake/embed_dashboard.cmake.
#pragma once

#include <string_view>

namespace quikedge::admin {

/// The page's HTML (defined in the generated dashboard_page_embedded.cpp). It polls GET
/// /api/v1/state and GET /metrics every second.
std::string_view dashboard_page();

/// Content-Security-Policy for the page: it may only talk to its own origin.
std::string_view dashboard_content_security_policy();

}  // namespace quikedge::admin
