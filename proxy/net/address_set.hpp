// address_set: an immutable list of IPv4 and IPv6 networks (trusted_proxies)
// and the allocation-free "is this peer inside?" check. Built once on the
// control thread, then read by any worker without locks.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <span>
#include <vector>

#include "quikedge/ip_range.hpp"

namespace quikedge::net {

/// A set of networks, tested by linear scan: trusted-proxy lists are a handful
/// of ranges, where a scan over two flat arrays beats any tree.
///
/// Peers are matched by their IPv4 identity when they have one: an IPv4-mapped
/// IPv6 peer (::ffff:10.1.2.3, as a dual-stack socket reports IPv4 clients)
/// matches the IPv4 ranges, and a mapped range (::ffff:10.0.0.0/104) is stored
/// as the IPv4 range it covers (10.0.0.0/8). IPv6 ranges otherwise match only
/// real IPv6 peers, so "::/0" does not trust every IPv4 client.
class address_set {
 public:
  /// The empty set: contains nothing.
  address_set() = default;
  /// Copies `ranges` (e.g. *config::trusted_proxies). Startup or reload only.
  explicit address_set(std::span<const ip_range> ranges);

  /// True when `peer` lies in one of the ranges. No allocation, any thread.
  [[nodiscard]] bool contains(const boost::asio::ip::address& peer) const noexcept;
  /// Same, for an IPv4 address as a host-order integer.
  [[nodiscard]] bool contains_v4(std::uint32_t host_order) const noexcept;

  [[nodiscard]] bool empty() const noexcept { return v4_.empty() && v6_.empty(); }
  /// Number of ranges (IPv4 plus IPv6) after mapped ranges became IPv4 ones.
  [[nodiscard]] std::size_t size() const noexcept { return v4_.size() + v6_.size(); }

 private:
  struct v4_range {
    std::uint32_t network;  ///< host order, host bits zero
    std::uint32_t mask;
  };
  struct v6_range {
    std::uint64_t network_high, network_low;  ///< host order, host bits zero
    std::uint64_t mask_high, mask_low;
  };

  std::vector<v4_range> v4_;
  std::vector<v6_range> v6_;
};

}  // namespace quikedge::net
