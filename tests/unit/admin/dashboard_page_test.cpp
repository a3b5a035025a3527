// The dashboard embedded at build time (cmake/embed_dashboard.cmake) is the page in
// proxy/admin/dashboard/ with its stylesheet and script inlined, byte for byte.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <string>

#include "admin/dashboard_page.hpp"

namespace quikedge::admin {
namespace {

std::string read_web_file(const std::string& name) {
  std::ifstream in(std::string(QUIKEDGE_SOURCE_DIR) + "/proxy/admin/dashboard/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void inline_asset(std::string& page, const std::string& line, const std::string& element) {
  const std::size_t at = page.find(line);
  ASSERT_NE(at, std::string::npos) << line;
  page.replace(at, line.size(), element);
}

TEST(DashboardPage, IsIndexHtmlWithItsAssetsInlined) {
  std::string expected = read_web_file("index.html");
  inline_asset(expected, "<link rel=\"stylesheet\" href=\"dashboard.css\">\n",
               "<style>\n" + read_web_file("dashboard.css") + "</style>\n");
  inline_asset(expected, "<script src=\"dashboard.js\"></script>\n",
               "<script>\n" + read_web_file("dashboard.js") + "</script>\n");
  EXPECT_EQ(std::string(dashboard_page()), expected);
}

TEST(DashboardPage, LoadsNothingFromElsewhere) {
  const std::string_view page = dashboard_page();
  EXPECT_TRUE(page.starts_with("<!doctype html>"));
  EXPECT_EQ(page.find("<link rel=\"stylesheet\""), std::string_view::npos);
  EXPECT_EQ(page.find("<script src="), std::string_view::npos);
  EXPECT_NE(page.find("/api/v1/state"), std::string_view::npos);
  // The page's own inline style and script are what the policy allows (by hash),
  // and nothing from elsewhere.
  const std::string_view csp = dashboard_content_security_policy();
  EXPECT_NE(csp.find("default-src 'none'"), std::string_view::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string_view::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string_view::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string_view::npos) << csp;
}

// 'sha256-BASE64' of `text`, as a browser computes it for an inline element.
std::string csp_source(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  unsigned char base64[128];
  const int n = EVP_EncodeBlock(base64, digest, static_cast<int>(length));
  return "'sha256-" + std::string(reinterpret_cast<const char*>(base64), n) + "'";
}

TEST(DashboardPage, PolicyAllowsExactlyTheInlinedScriptAndStyle) {
  const std::string js = read_web_file("dashboard.js");
  const std::string css = read_web_file("dashboard.css");
  EXPECT_EQ(std::string(dashboard_inline_script()), "\n" + js);
  EXPECT_EQ(std::string(dashboard_inline_style()), "\n" + css);
  const std::string page(dashboard_page());
  EXPECT_NE(page.find("<script>" + std::string(dashboard_inline_script()) + "</script>"),
            std::string::npos);
  const std::string csp(dashboard_content_security_policy());
  EXPECT_NE(csp.find("script-src " + csp_source("\n" + js) + ";"), std::string::npos) << csp;
  EXPECT_NE(csp.find("style-src " + csp_source("\n" + css) + ";"), std::string::npos) << csp;
}

}  // namespace
}  // namespace quikedge::admin
