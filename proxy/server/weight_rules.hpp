// The rules every set of live weights obeys, whoever sets them (admin API,
// rollback, reload, rollout), as pure functions. Any thread.
#pragma once

#include <optional>
#include <string>

#include "quikedge/config.hpp"
#include "server/change.hpp"

namespace quikedge::server {

/// Why `weights` cannot be the live weights of `settings`, or nullopt: every
/// configured stack named, no unknown stack, none over max_stack_weight, not
/// all zero.
std::optional<std::string> validate_weights(const config& settings, const weight_map& weights);

/// Weights from another process (a predecessor, another replica through etcd)
/// fitted to the stacks configured here: every configured stack named (0 when
/// the other side did not name it), stacks unknown here dropped, weights capped
/// at max_stack_weight. nullopt when that leaves every configured stack at 0:
/// applying it would answer 503 to everything.
std::optional<weight_map> fit_to_stacks(const config& settings, const weight_map& weights);

/// The config file's weights for every configured stack (0 where unset).
weight_map config_weights(const config& settings);

/// The one stack holding all weight, if any.
std::optional<std::string> sole_stack(const weight_map& weights);

/// All weight to `target` (at least 100, its own weight if higher), 0 elsewhere.
weight_map rollback_weights(const weight_map& weights, const std::string& target);

/// The stack's share of all weight, in percent (rounded down).
std::uint32_t weight_share(const weight_map& weights, const std::string& stack);

/// {"blue":90,"green":10}
std::string weights_json(const weight_map& weights);

}  // namespace quikedge::server
