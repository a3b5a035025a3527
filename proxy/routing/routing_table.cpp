// Immutable routing snapshot.
#include "routing/routing_table.hpp"

namespace quikedge::routing {

bool stack_entry::has_healthy_endpoint() const {
  for (const auto& endpoint : endpoints) {
    if (endpoint.healthy) {
      return true;
    }
  }
  return false;
}

routing_table::routing_table(std::uint64_t version, std::vector<stack_entry> stacks,
                             std::shared_ptr<const config> settings)
    : version_(version), stacks_(std::move(stacks)), settings_(std::move(settings)) {
  if (settings_->trusted_proxies) {
    trusted_proxies_ = net::address_set(*settings_->trusted_proxies);
  }
  for (const auto& stack : stacks_) {
    total_weight_ += stack.weight;
  }
}

int routing_table::find_stack(std::string_view name) const {
  for (std::size_t i = 0; i < stacks_.size(); ++i) {
    if (stacks_[i].name == name) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace quikedge::routing
