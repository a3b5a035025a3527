// The reload diff.
#include "server/reload_plan.hpp"

#include "server/weight_rules.hpp"

namespace quikedge::server {
namespace {

bool same_listeners(const config& running, const config& fresh) {
  if (fresh.listeners.size() != running.listeners.size()) {
    return false;
  }
  for (std::size_t i = 0; i < fresh.listeners.size(); ++i) {
    if (!(fresh.listeners[i].bind == running.listeners[i].bind)) {
      return false;
    }
  }
  return true;
}

}  // namespace

reload_plan plan_reload(const config& running, const config& fresh, const weight_map& live,
                        const weight_map& file_weights) {
  reload_plan plan;
  if (!same_listeners(running, fresh)) {
    plan.error = "listeners cannot change on reload; restart the proxy";
    return plan;
  }
  // The backend is the binary running (see io_backend_choice.hpp): only a restart
  // or a binary upgrade can change it.
  if (running.backend != fresh.backend) {
    plan.error = "io_backend cannot change on reload; restart the proxy or run a binary upgrade";
    return plan;
  }
  plan.file_weights = config_weights(fresh);
  // Last change wins: the file's weights replace the live ones only if the file
  // changed them; otherwise weights set through the API survive the reload.
  if (plan.file_weights != file_weights) {
    plan.weights = plan.file_weights;
  } else {
    for (const auto& stack : fresh.stacks) {
      auto it = live.find(stack.name);
      plan.weights[stack.name] = it == live.end() ? 0 : it->second;
    }
  }
  std::uint64_t total = 0;
  for (const auto& [name, weight] : plan.weights) {
    total += weight;
  }
  if (total == 0) {
    plan.error = "after reload every live weight would be zero";
  }
  return plan;
}

}  // namespace quikedge::server
