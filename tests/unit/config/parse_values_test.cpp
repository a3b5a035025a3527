// Edge cases of the scalar parsers: durations and addresses.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "config/parse_values.hpp"
#include "quikedge/config_loader.hpp"

namespace quikedge {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("2s"), seconds(2));
  EXPECT_EQ(parse_duration("5m"), minutes(5));
  EXPECT_EQ(parse_duration("1h"), hours(1));
  EXPECT_EQ(parse_duration("007s"), seconds(7));
}

TEST(ParseDuration, AcceptsZeroWithAndWithoutUnit) {
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
  EXPECT_EQ(parse_duration("0ms"), milliseconds(0));
}

TEST(ParseDuration, RejectsNumbersWithoutUnit) {
  // Only 0 is the same in every unit; "10" could mean 10ms or 10s.
  EXPECT_EQ(parse_duration("10"), std::nullopt);
  EXPECT_EQ(parse_duration("00"), std::nullopt);
}

TEST(ParseDuration, RejectsFractionsSignsAndOtherForms) {
  for (const char* text : {"1.5s", ".5s", "-1s", "+1s", "1 s", " 1s", "1s ", "1S", "1sec", "1d",
                           "1us", "1h30m", "ms", "s", "", "0x10s", "1e3ms", "∞s"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(ParseDuration, RejectsOverflow) {
  // Timers count nanoseconds in 64 bits: 2562047h fits, one hour more does not.
  EXPECT_EQ(parse_duration("2562047h"), hours(2562047));
  EXPECT_EQ(parse_duration("2562048h"), std::nullopt);
  EXPECT_EQ(parse_duration("9223372036854ms"), milliseconds(9223372036854));
  EXPECT_EQ(parse_duration("9223372036855ms"), std::nullopt);
  EXPECT_EQ(parse_duration("9223372036854775807ms"), std::nullopt);
  // Past 2^64: the digits alone overflow before the unit is applied.
  EXPECT_EQ(parse_duration("99999999999999999999999s"), std::nullopt);
}

TEST(ParseDuration, ExplainsOverflowDifferentlyFromBadSyntax) {
  std::string why;
  EXPECT_FALSE(config_detail::parse_duration_why("2562048h", why));
  EXPECT_NE(why.find("at most 2562047h"), std::string::npos) << why;
  EXPECT_FALSE(config_detail::parse_duration_why("1.5s", why));
  EXPECT_NE(why.find("followed by ms, s, m or h"), std::string::npos) << why;
}

struct address_case {
  const char* text;
  const char* host;
  std::uint16_t port;
};

TEST(ParseAddress, AcceptsHostsAndPortRange) {
  for (const address_case& c : {
           address_case{"127.0.0.1:8080", "127.0.0.1", 8080},
           address_case{"0.0.0.0:0", "0.0.0.0", 0},
           address_case{"10.0.1.10:65535", "10.0.1.10", 65535},
           address_case{"[::1]:80", "::1", 80},
           address_case{"[::]:443", "::", 443},
           address_case{"[2001:db8::1]:8443", "2001:db8::1", 8443},
           address_case{"localhost:9901", "localhost", 9901},
           address_case{"blue.live.svc.cluster.local:8080", "blue.live.svc.cluster.local", 8080},
           address_case{"quik_blue:80", "quik_blue", 80},
       }) {
    std::string why;
    auto parsed = parse_address(c.text, why);
    ASSERT_TRUE(parsed.has_value()) << c.text << ": " << why;
    EXPECT_EQ(parsed->host, c.host);
    EXPECT_EQ(parsed->port, c.port);
  }
}

struct bad_address_case {
  const char* text;
  const char* reason;  // substring of `why`
};

TEST(ParseAddress, RejectsWithReason) {
  for (const bad_address_case& c : {
           bad_address_case{"", "empty"},
           bad_address_case{"127.0.0.1", "missing port"},
           bad_address_case{"127.0.0.1:", "missing port"},
           bad_address_case{"127.0.0.1:65536", "65536 is out of range"},
           bad_address_case{"127.0.0.1:99999999999999999999", "out of range"},
           bad_address_case{"127.0.0.1:-1", "not a number"},
           bad_address_case{"127.0.0.1:http", "not a number"},
           bad_address_case{"127.0.0.1:+80", "not a number"},
           bad_address_case{":8080", "missing host"},
           bad_address_case{"::1:80", "must be in brackets"},
           bad_address_case{"[::1]", "missing port"},
           bad_address_case{"[::1]80", "missing port"},
           bad_address_case{"[::1:80", "missing ']'"},
           bad_address_case{"[10.0.0.1]:80", "not a valid IPv6"},
           bad_address_case{"10.0.0.256:80", "not a valid IPv4"},
           bad_address_case{"10.0.0:80", "not a valid IPv4"},
           bad_address_case{"-blue:80", "not a valid host name"},
           bad_address_case{"blue..svc:80", "not a valid host name"},
           bad_address_case{"bl ue:80", "not a valid host name"},
           bad_address_case{"http://blue:80", "without a scheme"},
       }) {
    std::string why;
    EXPECT_EQ(parse_address(c.text, why), std::nullopt) << c.text;
    EXPECT_NE(why.find(c.reason), std::string::npos) << c.text << ": " << why;
  }
}

TEST(AddressToString, BracketsIpv6AndRoundTrips) {
  EXPECT_EQ((address{"127.0.0.1", 8080}).to_string(), "127.0.0.1:8080");
  EXPECT_EQ((address{"::1", 80}).to_string(), "[::1]:80");
  for (const char* text : {"[2001:db8::1]:8443", "localhost:0", "10.0.0.1:65535"}) {
    std::string why;
    auto parsed = parse_address(text, why);
    ASSERT_TRUE(parsed.has_value()) << why;
    EXPECT_EQ(parsed->to_string(), text);
  }
}

TEST(ParseUnsigned, RejectsSignsFractionsAndOverflow) {
  std::string why;
  EXPECT_EQ(config_detail::parse_unsigned("42", 100, why), 42U);
  EXPECT_EQ(config_detail::parse_unsigned("100", 100, why), 100U);
  EXPECT_EQ(config_detail::parse_unsigned("101", 100, why), std::nullopt);
  EXPECT_NE(why.find("at most 100"), std::string::npos) << why;
  EXPECT_EQ(config_detail::parse_unsigned("-3", 100, why), std::nullopt);
  EXPECT_NE(why.find("negative"), std::string::npos) << why;
  EXPECT_EQ(config_detail::parse_unsigned("1.5", 100, why), std::nullopt);
  EXPECT_NE(why.find("whole number"), std::string::npos) << why;
  EXPECT_EQ(config_detail::parse_unsigned("18446744073709551616", UINT64_MAX, why), std::nullopt);
  EXPECT_NE(why.find("too large"), std::string::npos) << why;
}

TEST(ParseNumber, AcceptsDecimalsOnly) {
  EXPECT_EQ(config_detail::parse_number("0.001"), 0.001);
  EXPECT_EQ(config_detail::parse_number("1e-3"), 0.001);
  EXPECT_EQ(config_detail::parse_number("1"), 1.0);
  for (const char* text : {"", "nan", "inf", "0x1p3", "1,5", "1.0.0", "1e999"}) {
    EXPECT_EQ(config_detail::parse_number(text), std::nullopt) << text;
  }
}

TEST(HostClasses, LoopbackAndWildcard) {
  using config_detail::is_loopback_host;
  using config_detail::is_wildcard_host;
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.8.9.10"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("admin.internal"));
  EXPECT_TRUE(is_wildcard_host("0.0.0.0"));
  EXPECT_TRUE(is_wildcard_host("::"));
  EXPECT_FALSE(is_wildcard_host("127.0.0.1"));
}

}  // namespace
}  // namespace quikedge
