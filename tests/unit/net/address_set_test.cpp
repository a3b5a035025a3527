// address_set: membership for IPv4, IPv6 and IPv4-mapped IPv6 peers, prefix
// edges (/0, /1, /31, /32, /63, /64, /65, /127, /128) and the empty set.
#include <gtest/gtest.h>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/address_set.hpp"

namespace quikedge::net {
namespace {

address_set set_of(std::initializer_list<const char*> texts) {
  std::vector<ip_range> ranges;
  for (const char* text : texts) {
    std::string why;
    auto range = parse_ip_range(text, why);
    if (!range) {
      throw std::invalid_argument(std::string(text) + ": " + why);
    }
    ranges.push_back(*range);
  }
  return address_set(ranges);
}

bool in(const address_set& set, const char* peer) {
  return set.contains(boost::asio::ip::make_address(peer));
}

TEST(AddressSet, EmptyContainsNothing) {
  address_set empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0U);
  EXPECT_FALSE(in(empty, "10.0.0.1"));
  EXPECT_FALSE(in(empty, "::1"));
  EXPECT_FALSE(in(empty, "::ffff:10.0.0.1"));
}

TEST(AddressSet, Ipv4RangesAndSingleAddresses) {
  address_set set = set_of({"10.0.0.0/8", "192.168.1.7"});
  EXPECT_EQ(set.size(), 2U);
  EXPECT_TRUE(in(set, "10.0.0.0"));
  EXPECT_TRUE(in(set, "10.255.255.255"));
  EXPECT_TRUE(in(set, "10.1.2.3"));
  EXPECT_FALSE(in(set, "11.0.0.0"));
  EXPECT_FALSE(in(set, "9.255.255.255"));
  EXPECT_TRUE(in(set, "192.168.1.7"));
  EXPECT_FALSE(in(set, "192.168.1.6"));
  EXPECT_FALSE(in(set, "192.168.1.8"));
  EXPECT_FALSE(in(set, "::a00:1"));  // an IPv4-compatible form is not the IPv4 address
}

TEST(AddressSet, Ipv4PrefixEdges) {
  EXPECT_TRUE(in(set_of({"0.0.0.0/0"}), "255.255.255.255"));
  EXPECT_TRUE(in(set_of({"0.0.0.0/0"}), "0.0.0.0"));
  EXPECT_TRUE(in(set_of({"128.0.0.0/1"}), "200.1.1.1"));
  EXPECT_FALSE(in(set_of({"128.0.0.0/1"}), "127.255.255.255"));
  EXPECT_TRUE(in(set_of({"10.0.0.0/31"}), "10.0.0.1"));
  EXPECT_FALSE(in(set_of({"10.0.0.0/31"}), "10.0.0.2"));
  EXPECT_TRUE(in(set_of({"10.0.0.128/25"}), "10.0.0.200"));
  EXPECT_FALSE(in(set_of({"10.0.0.128/25"}), "10.0.0.127"));
}

TEST(AddressSet, MappedPeersMatchIpv4Ranges) {
  address_set set = set_of({"10.0.0.0/8"});
  EXPECT_TRUE(in(set, "::ffff:10.1.2.3"));
  EXPECT_FALSE(in(set, "::ffff:11.1.2.3"));
}

TEST(AddressSet, MappedRangesBecomeIpv4Ranges) {
  address_set set = set_of({"::ffff:10.0.0.0/104", "::ffff:192.168.1.7"});
  EXPECT_TRUE(in(set, "10.9.8.7"));
  EXPECT_TRUE(in(set, "::ffff:10.9.8.7"));
  EXPECT_FALSE(in(set, "11.0.0.1"));
  EXPECT_TRUE(in(set, "192.168.1.7"));
  EXPECT_FALSE(in(set, "192.168.1.8"));
  EXPECT_TRUE(in(set_of({"::ffff:0.0.0.0/96"}), "1.2.3.4"));
}

TEST(AddressSet, Ipv6RangesMatchOnlyIpv6Peers) {
  address_set set = set_of({"::/0"});
  EXPECT_TRUE(in(set, "2001:db8::1"));
  EXPECT_TRUE(in(set, "::"));
  EXPECT_FALSE(in(set, "10.0.0.1"));
  EXPECT_FALSE(in(set, "::ffff:10.0.0.1"));
}

TEST(AddressSet, Ipv6PrefixEdges) {
  EXPECT_TRUE(in(set_of({"::1/128"}), "::1"));
  EXPECT_FALSE(in(set_of({"::1/128"}), "::2"));
  EXPECT_TRUE(in(set_of({"fd00::/8"}), "fdff:ffff::1"));
  EXPECT_FALSE(in(set_of({"fd00::/8"}), "fe00::1"));
  EXPECT_TRUE(in(set_of({"2001:db8::/64"}), "2001:db8::ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(in(set_of({"2001:db8::/64"}), "2001:db8:0:1::"));
  EXPECT_TRUE(in(set_of({"2001:db8::/63"}), "2001:db8:0:1::5"));
  EXPECT_FALSE(in(set_of({"2001:db8::/63"}), "2001:db8:0:2::"));
  EXPECT_TRUE(in(set_of({"2001:db8::/65"}), "2001:db8::7fff:ffff:ffff:ffff"));
  EXPECT_FALSE(in(set_of({"2001:db8::/65"}), "2001:db8::8000:0:0:0"));
  EXPECT_TRUE(in(set_of({"2001:db8::/127"}), "2001:db8::1"));
  EXPECT_FALSE(in(set_of({"2001:db8::/127"}), "2001:db8::2"));
  EXPECT_TRUE(in(set_of({"8000::/1"}), "ffff::"));
  EXPECT_FALSE(in(set_of({"8000::/1"}), "7fff::"));
}

TEST(AddressSet, MixedFamiliesInOneSet) {
  address_set set = set_of({"10.0.0.0/8", "::1/128", "fd00::/8", "192.168.1.7"});
  EXPECT_EQ(set.size(), 4U);
  EXPECT_TRUE(in(set, "::1"));
  EXPECT_TRUE(in(set, "fd12:3456::9"));
  EXPECT_TRUE(in(set, "10.200.0.1"));
  EXPECT_TRUE(in(set, "::ffff:192.168.1.7"));
  EXPECT_FALSE(in(set, "127.0.0.1"));
  EXPECT_FALSE(in(set, "2001:db8::1"));
}

TEST(AddressSet, ScopedLinkLocalPeersMatchByAddress) {
  address_set set = set_of({"fe80::/10"});
  boost::asio::ip::address_v6 peer = boost::asio::ip::make_address_v6("fe80::1");
  peer.scope_id(2);
  EXPECT_TRUE(set.contains(boost::asio::ip::address(peer)));
}

TEST(AddressSet, HostOrderIpv4Lookup) {
  address_set set = set_of({"10.0.0.0/8"});
  EXPECT_TRUE(set.contains_v4(0x0a010203U));
  EXPECT_FALSE(set.contains_v4(0x0b010203U));
}

}  // namespace
}  // namespace quikedge::net
