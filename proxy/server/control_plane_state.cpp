// Control plane: the state documents: GET /api/v1/state, and the routing state
// handed from process to process in a binary upgrade (SPEC 13). Control thread only.
#include <unistd.h>

#include <boost/json.hpp>

#include <ctime>

#include "server/control_plane.hpp"
#include "util/log.hpp"

namespace quikedge::server {
namespace {

std::string iso_time(std::chrono::system_clock::time_point when) {
  auto seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

std::string control_plane::state_json() const {
  boost::json::object state;
  state["version"] = version_;
  state["pid"] = static_cast<std::int64_t>(::getpid());  // tells processes apart across an upgrade
  boost::json::object weights;
  for (const auto& [name, weight] : weights_) {
    weights[name] = weight;
  }
  state["weights"] = std::move(weights);
  state["changed_at"] = iso_time(changed_at_);
  state["changed_by"] = changed_by_;
  boost::json::object stacks;
  for (const auto& stack : table_->stacks()) {
    boost::json::object entry;
    entry["healthy"] = stack.has_healthy_endpoint();
    entry["draining"] = stack.draining;
    entry["weight"] = stack.weight;
    boost::json::array endpoints;
    for (const auto& endpoint : stack.endpoints) {
      endpoints.push_back(
          boost::json::object{{"address", endpoint.name}, {"healthy", endpoint.healthy}});
    }
    entry["endpoints"] = std::move(endpoints);
    std::int64_t closed = 0;
    std::int64_t opened = 0;
    for (const auto& w : workers_) {
      closed += static_cast<std::int64_t>(w->metrics().stack(stack.id).websockets_closed.load());
    }
    for (const auto& w : workers_) {
      opened += static_cast<std::int64_t>(w->metrics().stack(stack.id).websockets_opened.load());
    }
    entry["websockets"] = std::max<std::int64_t>(opened - closed, 0);
    stacks[stack.name] = std::move(entry);
  }
  state["stacks"] = std::move(stacks);
  if (rollout_status_json) {
    state["rollout"] = boost::json::parse(rollout_status_json());
  } else {
    state["rollout"] = boost::json::object{{"state", "idle"}};
  }
  if (stable_stack_) {
    state["rollback_target"] = *stable_stack_;
  }
  return boost::json::serialize(state);
}

live_state control_plane::export_state() const {
  live_state state;
  state.version = version_;
  state.weights = weights_;
  state.file_weights = file_weights_;
  state.changed_at = changed_at_;
  state.changed_by = changed_by_;
  state.stable_stack = stable_stack_;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [name, until] : drains_) {
    state.drains_left[name] =
        until > now ? std::chrono::duration_cast<std::chrono::milliseconds>(until - now)
                    : std::chrono::milliseconds(0);
  }
  return state;
}

void control_plane::import_state(const live_state& state) {
  // The version goes on from the predecessor's either way: controllers compare
  // it (If-Match) and must never see it go back.
  if (state.file_weights != file_weights_) {
    // The file was edited since the old process read it: its weights are the
    // last change, as on reload.
    version_ = state.version + 1;
    changed_at_ = std::chrono::system_clock::now();
    changed_by_ = "config";
    log::info("upgrade: the config file's weights changed; they replace the live ones");
  } else {
    weight_map weights;
    std::uint64_t total = 0;
    for (const auto& stack : settings_->stacks) {
      auto it = state.weights.find(stack.name);
      weights[stack.name] = it == state.weights.end() ? 0 : it->second;
      total += weights[stack.name];
    }
    if (total == 0) {
      log::warn(
          "upgrade: the handed-over weights leave no configured stack any weight; "
          "using the config file's");
      version_ = state.version + 1;
    } else {
      weights_ = weights;
      version_ = state.version;
      changed_at_ = state.changed_at;
      changed_by_ = state.changed_by;
    }
  }
  if (state.stable_stack && settings_->find_stack(*state.stable_stack) != nullptr) {
    stable_stack_ = state.stable_stack;
  }
  drains_.clear();
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [name, left] : state.drains_left) {
    auto it = weights_.find(name);
    if (it != weights_.end() && it->second == 0) {
      drains_[name] = now + left;
    }
  }
  if (table_) {
    install_table([](change_result) {});
  }
}

}  // namespace quikedge::server
