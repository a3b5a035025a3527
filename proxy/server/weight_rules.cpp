// Live weight rules.
#include "server/weight_rules.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "quikedge/weight_limits.hpp"

namespace quikedge::server {

std::optional<std::string> validate_weights(const config& settings, const weight_map& weights) {
  std::uint64_t total = 0;
  for (const auto& [name, weight] : weights) {
    if (settings.find_stack(name) == nullptr) {
      return "unknown stack \"" + name + "\"";
    }
    if (weight > max_stack_weight) {
      return "weight of \"" + name + "\" is over " + std::to_string(max_stack_weight);
    }
    total += weight;
  }
  for (const auto& stack : settings.stacks) {
    if (weights.find(stack.name) == weights.end()) {
      return "weights must name every stack; missing \"" + stack.name + "\"";
    }
  }
  if (total == 0) {
    return "all weights are zero";
  }
  return std::nullopt;
}

std::optional<weight_map> fit_to_stacks(const config& settings, const weight_map& weights) {
  weight_map fitted;
  std::uint64_t total = 0;
  for (const auto& stack : settings.stacks) {
    auto it = weights.find(stack.name);
    const std::uint32_t weight =
        it == weights.end() ? 0 : std::min<std::uint32_t>(it->second, max_stack_weight);
    fitted[stack.name] = weight;
    total += weight;
  }
  if (total == 0) {
    return std::nullopt;
  }
  return fitted;
}

weight_map config_weights(const config& settings) {
  weight_map weights;
  for (const auto& stack : settings.stacks) {
    auto it = settings.routing.weights.find(stack.name);
    weights[stack.name] = it == settings.routing.weights.end() ? 0 : it->second;
  }
  return weights;
}

std::optional<std::string> sole_stack(const weight_map& weights) {
  std::optional<std::string> only;
  for (const auto& [name, weight] : weights) {
    if (weight == 0) {
      continue;
    }
    if (only) {
      return std::nullopt;
    }
    only = name;
  }
  return only;
}

weight_map rollback_weights(const weight_map& weights, const std::string& target) {
  weight_map out;
  for (const auto& [name, weight] : weights) {
    out[name] = name == target ? std::max<std::uint32_t>(weight, 100) : 0;
  }
  return out;
}

std::string weights_json(const weight_map& weights) {
  boost::json::object object;
  for (const auto& [name, weight] : weights) {
    object[name] = weight;
  }
  return boost::json::serialize(object);
}

std::uint32_t weight_share(const weight_map& weights, const std::string& stack) {
  std::uint64_t total = 0;
  for (const auto& [name, weight] : weights) {
    total += weight;
  }
  auto it = weights.find(stack);
  return total == 0 || it == weights.end()
             ? 0
             : static_cast<std::uint32_t>(std::uint64_t{it->second} * 100 / total);
}

}  // namespace quikedge::server
