// The bounds of a stack's weight, shared by the config validator, the admin
// API and the stored routing state, so all three refuse the same values.
#pragma once

#include <cstdint>

namespace quikedge {

/// The largest weight of one stack. Keeps the sum over many stacks far from
/// overflow and still allows shares of a ten-thousandth of a percent.
inline constexpr std::uint32_t max_stack_weight = 1'000'000;

}  // namespace quikedge
