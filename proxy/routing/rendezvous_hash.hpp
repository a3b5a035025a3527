// Weighted rendezvous (highest random weight) hashing for `hash_key` routing.
//
// Each stack s gets the score  w_s / -ln(u(key, s)),  u uniform in (0,1) from a
// fixed hash of the key and the stack's name; the key goes to the highest score.
// - Deterministic: the score depends only on the key, the stack names and the
//   weights, so every replica and every restart agrees.
// - Shares match weights: -ln(u)/w_s is exponential with rate w_s, and the
//   minimum of independent exponentials falls on s with probability w_s / sum(w).
// - Monotonic: raising w_g multiplies only g's score, so a key's winner either
//   stays or becomes g; no key moves between other stacks or away from g.
// - Skipping an unhealthy stack moves only the keys it had.
#pragma once

#include <cstdint>
#include <string_view>

#include "routing/routing_table.hpp"

namespace quikedge::routing {

/// 64-bit FNV-1a followed by a splitmix finaliser: stable across builds and
/// platforms (never std::hash, which is not).
std::uint64_t stable_hash(std::string_view text, std::uint64_t seed = 0);

/// Index into table.stacks() for `key` among stacks with weight > 0 and a
/// healthy endpoint, or -1 when there is none.
int rendezvous_pick(const routing_table& table, std::string_view key,
                    const stack_filter& usable = {});

}  // namespace quikedge::routing
