// xorshift128+ request ids.
#include "http/request_id_generator.hpp"

namespace quikedge::http {

request_id_generator::request_id_generator(std::uint64_t seed) {
  state_[0] = seed ^ 0x9e3779b97f4a7c15ULL;
  state_[1] = (seed << 1) ^ 0xbf58476d1ce4e5b9ULL;
  if (state_[0] == 0 && state_[1] == 0) {
    state_[1] = 1;
  }
}

void request_id_generator::next(std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  out.resize(32);
  for (int half = 0; half < 2; ++half) {
    // xorshift128+
    std::uint64_t s1 = state_[0];
    const std::uint64_t s0 = state_[1];
    state_[0] = s0;
    s1 ^= s1 << 23;
    state_[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    std::uint64_t value = state_[1] + s0;
    for (int i = 0; i < 16; ++i) {
      out[static_cast<std::size_t>(half * 16 + i)] = hex[(value >> (60 - 4 * i)) & 0xf];
    }
  }
}

}  // namespace quikedge::http
