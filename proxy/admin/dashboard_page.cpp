// The dashboard's response policy. The page itself lives in admin/dashboard/
// (index.html, dashboard.css, dashboard.js); cmake/embed_dashboard.cmake inlines
// the two assets into the HTML at build time and defines dashboard_page() in a
// generated source. Rates, error rates and p99 are computed in the browser from
// /metrics deltas between refreshes, so the proxy keeps no extra state for it.
#include "admin/dashboard_page.hpp"

#include <openssl/evp.h>

#include <string>

namespace quikedge::admin {
namespace {

/// 'sha256-BASE64' of `text`: a CSP source that allows exactly that inline element.
std::string csp_hash(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  unsigned char base64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int written = EVP_EncodeBlock(base64, digest, static_cast<int>(length));
  return "'sha256-" + std::string(reinterpret_cast<const char*>(base64), written) + "'";
}

}  // namespace

std::string_view dashboard_content_security_policy() {
  // Hashes, not 'unsafe-inline': the page's own script runs, but no injected
  // <script>, inline event handler (onclick=...) or javascript: URL would, even if a
  // stack name or reason ever reached the DOM as markup. The page acts (weights,
  // rollback, rollouts), so it must not be framed either: frame-ancestors 'none'
  // (and X-Frame-Options for older browsers) stops clickjacking on its buttons.
  static const std::string policy =
      "default-src 'none'; script-src " + csp_hash(dashboard_inline_script()) + "; style-src " +
      csp_hash(dashboard_inline_style()) +
      "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
      "frame-ancestors 'none'";
  return policy;
}

}  // namespace quikedge::admin
