// The client identity keys: parse_ip_range (CIDR text to a network),
// listeners[].proxy_protocol and the top-level trusted_proxies list.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "quikedge/config_loader.hpp"
#include "quikedge/ip_range.hpp"

namespace quikedge {
namespace {

std::string parsed(std::string_view text) {
  std::string why;
  auto range = parse_ip_range(text, why);
  return range ? range->to_string() : "error: " + why;
}

/// One parse_ip_range input and what parsed() makes of it.
struct range_case {
  std::string_view text;
  std::string_view expected;
};

void expect_parsed(std::initializer_list<range_case> cases) {
  for (const auto& [text, expected] : cases) {
    EXPECT_EQ(parsed(text), expected) << "parse_ip_range(\"" << text << "\")";
  }
}

TEST(ParseIpRange, AcceptsAddressesAndRangesOfBothFamilies) {
  expect_parsed({
      {"10.0.0.0/8", "10.0.0.0/8"},
      {"192.168.1.7", "192.168.1.7/32"},
      {"192.168.1.7/32", "192.168.1.7/32"},
      {"0.0.0.0/0", "0.0.0.0/0"},
      {"172.16.0.0/12", "172.16.0.0/12"},
      {"::1", "::1/128"},
      {"::1/128", "::1/128"},
      {"::/0", "::/0"},
      {"fd00::/8", "fd00::/8"},
      {"2001:DB8::/32", "2001:db8::/32"},
      {"::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104"},
  });
}

TEST(ParseIpRange, StoresTheNetworkBytesAndFamily) {
  std::string why;
  auto v4 = parse_ip_range("10.1.0.0/16", why);
  ASSERT_TRUE(v4.has_value()) << why;
  EXPECT_EQ(v4->af, ip_range::family::v4);
  EXPECT_EQ(v4->prefix_length, 16);
  EXPECT_EQ(v4->bytes[0], 10);
  EXPECT_EQ(v4->bytes[1], 1);
  auto v6 = parse_ip_range("2001:db8::/32", why);
  ASSERT_TRUE(v6.has_value()) << why;
  EXPECT_EQ(v6->af, ip_range::family::v6);
  EXPECT_EQ(v6->prefix_length, 32);
  EXPECT_EQ(v6->bytes[0], 0x20);
  EXPECT_EQ(v6->bytes[3], 0xb8);
}

TEST(ParseIpRange, RefusesHostBitsBeyondThePrefixAndNamesBothFixes) {
  expect_parsed({
      {"10.0.0.1/8",
       "error: host bits are set beyond the /8 prefix; write the network 10.0.0.0/8, or "
       "10.0.0.1/32 for the single address"},
      {"192.168.1.7/24",
       "error: host bits are set beyond the /24 prefix; write the network 192.168.1.0/24, "
       "or 192.168.1.7/32 for the single address"},
      {"fd00::1/8",
       "error: host bits are set beyond the /8 prefix; write the network fd00::/8, or "
       "fd00::1/128 for the single address"},
  });
  EXPECT_EQ(parsed("0.0.0.1/0").substr(0, 12), "error: host ");
  EXPECT_EQ(parsed("10.0.0.128/25"), "10.0.0.128/25");
  EXPECT_EQ(parsed("10.0.0.129/25").substr(0, 12), "error: host ");
}

TEST(ParseIpRange, RefusesBadPrefixLengths) {
  expect_parsed({
      {"10.0.0.0/33", "error: prefix length 33 is out of range for IPv4 (0-32)"},
      {"::/129", "error: prefix length 129 is out of range for IPv6 (0-128)"},
      {"10.0.0.0/", "error: prefix length \"\" is not a whole number"},
      {"10.0.0.0/08", "error: prefix length \"08\" is not a whole number"},
      {"10.0.0.0/-1", "error: prefix length \"-1\" is not a whole number"},
      {"10.0.0.0/+8", "error: prefix length \"+8\" is not a whole number"},
      {"10.0.0.0/8 ", "error: prefix length \"8 \" is not a whole number"},
      {"10.0.0.0/8/8", "error: prefix length \"8/8\" is not a whole number"},
      {"10.0.0.0/99999999999", "error: prefix length \"99999999999\" is not a whole number"},
  });
}

TEST(ParseIpRange, RefusesBadAddresses) {
  expect_parsed({
      {"", "error: address range is empty"},
      {"10.0.0.256", "error: \"10.0.0.256\" is not a valid IPv4 address"},
      {"10.0.0", "error: \"10.0.0\" is not a valid IPv4 address"},
      {"010.0.0.1", "error: \"010.0.0.1\" is not a valid IPv4 address"},
      {" 10.0.0.1", "error: \" 10.0.0.1\" is not a valid IPv4 address"},
      {"localhost", "error: \"localhost\" is not a valid IPv4 address"},
      {"/8", "error: \"\" is not a valid IPv4 address"},
      {"fe80::1%eth0", "error: \"fe80::1%eth0\" is not a valid IPv6 address"},
      {"1::2::3", "error: \"1::2::3\" is not a valid IPv6 address"},
      {"[::1]/128", "error: write IPv6 addresses without brackets, e.g. ::1/128"},
  });
  std::string long_text(200, '1');
  EXPECT_EQ(parsed(long_text).substr(0, 7), "error: ");
}

const std::string base =
    "listeners:\n"
    "  - { name: http, address: 127.0.0.1:8080 }\n"
    "  - { name: nlb, address: 127.0.0.1:8081, proxy_protocol: true }\n"
    "  - { name: off, address: 127.0.0.1:8082, proxy_protocol: false }\n"
    "stacks:\n  blue: { endpoints: [\"127.0.0.1:18081\"] }\n"
    "routing:\n  weights: { blue: 1 }\n";

std::string describe(const std::vector<config_error>& errors) {
  std::string text;
  for (const config_error& e : errors) {
    text += "\n  " + e.to_string();
  }
  return text.empty() ? "\n  (no errors)" : text;
}

TEST(ClientIdentityConfig, ProxyProtocolPerListenerDefaultsToFalse) {
  config_load_result result = load_config_text(base, "test.yaml");
  ASSERT_TRUE(result.value.has_value()) << describe(result.errors);
  ASSERT_EQ(result.value->listeners.size(), 3U);
  EXPECT_FALSE(result.value->listeners[0].proxy_protocol);
  EXPECT_TRUE(result.value->listeners[1].proxy_protocol);
  EXPECT_FALSE(result.value->listeners[2].proxy_protocol);
  EXPECT_FALSE(result.value->trusted_proxies.has_value());
}

TEST(ClientIdentityConfig, TrustedProxiesKeepsFileOrder) {
  config_load_result result = load_config_text(
      base + "trusted_proxies: [\"10.0.0.0/8\", \"192.168.1.7\", \"::1/128\", \"fd00::/8\"]\n",
      "test.yaml");
  ASSERT_TRUE(result.value.has_value()) << describe(result.errors);
  ASSERT_TRUE(result.value->trusted_proxies.has_value());
  std::vector<std::string> texts;
  for (const ip_range& range : *result.value->trusted_proxies) {
    texts.push_back(range.to_string());
  }
  EXPECT_EQ(texts,
            (std::vector<std::string>{"10.0.0.0/8", "192.168.1.7/32", "::1/128", "fd00::/8"}));
}

TEST(ClientIdentityConfig, AnEmptyListIsSetAndTrustsNoOne) {
  config_load_result result = load_config_text(base + "trusted_proxies: []\n", "test.yaml");
  ASSERT_TRUE(result.value.has_value()) << describe(result.errors);
  ASSERT_TRUE(result.value->trusted_proxies.has_value());
  EXPECT_TRUE(result.value->trusted_proxies->empty());
}

TEST(ClientIdentityConfig, EveryBadRangeIsReportedAtItsItem) {
  config_load_result result = load_config_text(
      base + "trusted_proxies:\n  - 10.0.0.1/8\n  - 10.0.0.0/8\n  - ::/200\n  - { a: 1 }\n",
      "test.yaml");
  EXPECT_FALSE(result.value.has_value());
  ASSERT_EQ(result.errors.size(), 3U) << describe(result.errors);
  EXPECT_EQ(result.errors[0].line, 10);
  EXPECT_NE(result.errors[0].message.find("trusted_proxies[0]: bad address range"),
            std::string::npos);
  EXPECT_EQ(result.errors[1].line, 12);
  EXPECT_NE(result.errors[1].message.find("trusted_proxies[2]"), std::string::npos);
  EXPECT_EQ(result.errors[2].line, 13);
  EXPECT_NE(result.errors[2].message.find("trusted_proxies[3]: expected an address or CIDR"),
            std::string::npos);
}

TEST(ClientIdentityConfig, ProxyProtocolTakesOnlyLowerCaseTrueOrFalse) {
  for (const char* value : {"yes", "True", "1", "on", "[true]"}) {
    std::string text = "listeners:\n  - { name: http, address: 127.0.0.1:8080, proxy_protocol: " +
                       std::string(value) +
                       " }\n"
                       "stacks:\n  blue: { endpoints: [\"127.0.0.1:18081\"] }\n"
                       "routing:\n  weights: { blue: 1 }\n";
    config_load_result result = load_config_text(text, "test.yaml");
    ASSERT_EQ(result.errors.size(), 1U) << value << describe(result.errors);
    EXPECT_NE(result.errors[0].message.find("listeners[0].proxy_protocol"), std::string::npos);
  }
}

}  // namespace
}  // namespace quikedge
