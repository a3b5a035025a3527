// Weighted rendezvous hashing.
#include "routing/rendezvous_hash.hpp"

#include <cmath>

namespace quikedge::routing {
namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

std::uint64_t stable_hash(std::string_view text, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(h);
}

int rendezvous_pick(const routing_table& table, std::string_view key, const stack_filter& usable) {
  const std::uint64_t key_hash = stable_hash(key);
  int best = -1;
  double best_score = 0;
  const auto& stacks = table.stacks();
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    const auto& stack = stacks[i];
    if (stack.weight == 0 || !usable(stack)) {
      continue;
    }
    // 53 random bits, offset by half a step so u is never 0 or 1.
    const std::uint64_t bits = mix(key_hash ^ stable_hash(stack.name, 0x5bd1e995)) >> 11;
    const double u = (static_cast<double>(bits) + 0.5) / 9007199254740992.0;
    const double score = static_cast<double>(stack.weight) / -std::log(u);
    if (best < 0 || score > best_score) {
      best = static_cast<int>(i);
      best_score = score;
    }
  }
  return best;
}

}  // namespace quikedge::routing
