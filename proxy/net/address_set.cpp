// address_set (address_set.hpp): ranges to masks once, then mask-and-compare
// per lookup.
#include "net/address_set.hpp"

namespace quikedge::net {

namespace {

using bytes16 = std::array<std::uint8_t, 16>;

std::uint32_t load32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::uint64_t load64(const std::uint8_t* p) {
  return (std::uint64_t{load32(p)} << 32) | load32(p + 4);
}

// Mask of the first `bits` bits of a `width`-bit word; shifting by the full
// width is undefined, hence the two edge cases.
std::uint64_t leading_ones(unsigned bits, unsigned width) {
  if (bits == 0) {
    return 0;
  }
  std::uint64_t all = width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
  if (bits >= width) {
    return all;
  }
  return all & ~((std::uint64_t{1} << (width - bits)) - 1);
}

// ::ffff:0:0/96, the block an IPv6 socket uses to report IPv4 peers.
bool is_v4_mapped(const bytes16& b) {
  for (int i = 0; i < 10; ++i) {
    if (b[i] != 0) {
      return false;
    }
  }
  return b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

address_set::address_set(std::span<const ip_range> ranges) {
  for (const ip_range& r : ranges) {
    if (r.af == ip_range::family::v4) {
      auto mask = static_cast<std::uint32_t>(leading_ones(r.prefix_length, 32));
      v4_.push_back({load32(r.bytes.data()) & mask, mask});
    } else if (r.prefix_length >= 96 && is_v4_mapped(r.bytes)) {
      auto mask = static_cast<std::uint32_t>(leading_ones(r.prefix_length - 96U, 32));
      v4_.push_back({load32(r.bytes.data() + 12) & mask, mask});
    } else {
      std::uint64_t mask_high = leading_ones(r.prefix_length, 64);
      std::uint64_t mask_low = leading_ones(r.prefix_length > 64 ? r.prefix_length - 64U : 0, 64);
      v6_.push_back({load64(r.bytes.data()) & mask_high, load64(r.bytes.data() + 8) & mask_low,
                     mask_high, mask_low});
    }
  }
}

bool address_set::contains_v4(std::uint32_t host_order) const noexcept {
  for (const v4_range& r : v4_) {
    if ((host_order & r.mask) == r.network) {
      return true;
    }
  }
  return false;
}

bool address_set::contains(const boost::asio::ip::address& peer) const noexcept {
  if (peer.is_v4()) {
    return contains_v4(peer.to_v4().to_uint());
  }
  // to_bytes() returns a std::array by value: no allocation.
  bytes16 b = peer.to_v6().to_bytes();
  if (is_v4_mapped(b)) {
    return contains_v4(load32(b.data() + 12));
  }
  std::uint64_t high = load64(b.data());
  std::uint64_t low = load64(b.data() + 8);
  for (const v6_range& r : v6_) {
    if ((high & r.mask_high) == r.network_high && (low & r.mask_low) == r.network_low) {
      return true;
    }
  }
  return false;
}

}  // namespace quikedge::net
