// The live dashboard served at GET / on the admin port: one self-contained HTML
// page (styles and script inline, no external assets), built from the web files
// in admin/dashboard/ by cmake/embed_dashboard.cmake.
#pragma once

#include <string_view>

namespace quikedge::admin {

/// The page's HTML (defined in the generated dashboard_page_embedded.cpp). It polls GET
/// /api/v1/state, /api/v1/fleet and /metrics every second and sends the operator's
/// changes (weights, rollback, rollout actions) to the admin API.
std::string_view dashboard_page();

/// The exact text of the page's one inline <script> and one inline <style> element
/// (generated with dashboard_page()): what the CSP allows by hash.
std::string_view dashboard_inline_script();
std::string_view dashboard_inline_style();

/// Content-Security-Policy for the page: its own script and style (by SHA-256) and
/// nothing else; it may only talk to its own origin and cannot be framed.
std::string_view dashboard_content_security_policy();

}  // namespace quikedge::admin
