// The state document (GET /api/v1/state, and the answer to every change):
// version, weights, who changed them, every stack's health, drain and
// WebSocket count, the rollout and the rollback target. Control thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rollout/rollout_control.hpp"
#include "server/change.hpp"

namespace quikedge::server {

class control_plane;

/// The document's contents as plain data, so it renders without a proxy.
struct state_document {
  struct endpoint_entry {
    std::string address;
    bool healthy = false;
  };
  struct stack_entry {
    std::string name;
    bool healthy = false;
    bool draining = false;
    std::uint32_t weight = 0;
    std::vector<endpoint_entry> endpoints;
    std::int64_t websockets = 0;
  };
  std::uint64_t version = 0;
  std::int64_t pid = 0;    ///< tells processes apart across an upgrade
  std::string io_backend;  ///< the backend this process runs: "epoll" or "io_uring"
  weight_map weights;
  std::chrono::system_clock::time_point changed_at;
  std::string changed_by;
  std::vector<stack_entry> stacks;
  std::string rollout_json = R"({"state":"idle"})";  ///< embedded as JSON
  std::optional<std::string> rollback_target;
};

/// The JSON text of `doc`; changed_at as "2026-01-02T03:04:05Z".
std::string render_state(const state_document& doc);

class state_view {
 public:
  state_view(const control_plane& control, const rollout::rollout_control& rollouts)
      : control_(control), rollouts_(rollouts) {}

  /// Gathers the document from the live proxy. After control_plane::start().
  [[nodiscard]] state_document collect() const;
  [[nodiscard]] std::string state_json() const { return render_state(collect()); }

 private:
  const control_plane& control_;
  const rollout::rollout_control& rollouts_;
};

}  // namespace quikedge::server
