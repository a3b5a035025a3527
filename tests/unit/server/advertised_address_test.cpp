// The admin address published to other replicas: as bound, unless bound to
// every address; then the one this machine reaches etcd from.
#include <gtest/gtest.h>

#include "server/advertised_address.hpp"

namespace quikedge::server {
namespace {

config with_etcd(const std::string& host) {
  config settings;
  settings.state.backend = state_backend::etcd;
  settings.state.etcd.endpoints = {{host, 2379}};
  return settings;
}

TEST(AdvertisedAddress, ASpecificBindIsPublishedAsIs) {
  const auto settings = with_etcd("127.0.0.1");
  EXPECT_EQ(advertised_admin_address("127.0.0.1:9901", settings), "127.0.0.1:9901");
  EXPECT_EQ(advertised_admin_address("10.1.2.3:9901", settings), "10.1.2.3:9901");
  EXPECT_EQ(advertised_admin_address("::1:9901", settings), "::1:9901");
}

TEST(AdvertisedAddress, AWildcardBindIsPublishedAsTheAddressEtcdIsReachedFrom) {
  // etcd on loopback: the kernel's source address towards it is 127.0.0.1.
  EXPECT_EQ(advertised_admin_address("0.0.0.0:9901", with_etcd("127.0.0.1")), "127.0.0.1:9901");
}

TEST(AdvertisedAddress, AWildcardBindWithoutEtcdIsPublishedByHostName) {
  const auto published = advertised_admin_address("0.0.0.0:9901", config{});
  EXPECT_NE(published, "0.0.0.0:9901");
  EXPECT_TRUE(published.ends_with(":9901")) << published;
}

}  // namespace
}  // namespace quikedge::server
