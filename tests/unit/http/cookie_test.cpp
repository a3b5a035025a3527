// Cookie lookup and the sticky Set-Cookie attributes.
#include <gtest/gtest.h>

#include "http/cookie.hpp"

namespace quikedge::http {
namespace {

TEST(Cookie, FindsNamedCookieAmongMany) {
  message_head head;
  ASSERT_EQ(parse_request_head("GET / HTTP/1.1\r\nHost: x\r\nCookie: a=1; qe_stack=green; b=2\r\n"
                               "Cookie: c=\"3\"\r\n\r\n",
                               head_limits{}, head),
            parse_status::ok);
  EXPECT_EQ(find_cookie(head, "qe_stack"), "green");
  EXPECT_EQ(find_cookie(head, "c"), "3");
  EXPECT_EQ(find_cookie(head, "qe"), std::nullopt);
  EXPECT_EQ(find_header(head, "COOKIE"), "a=1; qe_stack=green; b=2");
}

TEST(Cookie, StickyCookieAttributes) {
  std::string out;
  write_sticky_cookie(out, "qe", "blue", std::chrono::hours(1), false);
  EXPECT_EQ(out, "qe=blue; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
  write_sticky_cookie(out, "qe", "blue", std::chrono::minutes(1), true);
  EXPECT_EQ(out, "qe=blue; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure");
}

}  // namespace
}  // namespace quikedge::http
