// The state document: gathered from the control plane, the workers' counters
// and the rollout engine, then rendered.
#include "server/state_view.hpp"

#include <unistd.h>

#include <boost/json.hpp>

#include "server/control_plane.hpp"
#include "server/io_backend_choice.hpp"
#include "util/iso_time.hpp"

namespace quikedge::server {

std::string render_state(const state_document& doc) {
  boost::json::object state;
  state["version"] = doc.version;
  state["pid"] = doc.pid;
  state["io_backend"] = doc.io_backend;
  boost::json::object weights;
  for (const auto& [name, weight] : doc.weights) {
    weights[name] = weight;
  }
  state["weights"] = std::move(weights);
  state["changed_at"] = util::iso_time(doc.changed_at);
  state["changed_by"] = doc.changed_by;
  boost::json::object stacks;
  for (const auto& stack : doc.stacks) {
    boost::json::object entry;
    entry["healthy"] = stack.healthy;
    entry["draining"] = stack.draining;
    entry["weight"] = stack.weight;
    boost::json::array endpoints;
    for (const auto& endpoint : stack.endpoints) {
      endpoints.push_back(
          boost::json::object{{"address", endpoint.address}, {"healthy", endpoint.healthy}});
    }
    entry["endpoints"] = std::move(endpoints);
    entry["websockets"] = stack.websockets;
    stacks[stack.name] = std::move(entry);
  }
  state["stacks"] = std::move(stacks);
  state["rollout"] = boost::json::parse(doc.rollout_json);
  if (doc.rollback_target) {
    state["rollback_target"] = *doc.rollback_target;
  }
  return boost::json::serialize(state);
}

state_document state_view::collect() const {
  state_document doc;
  doc.version = control_.version();
  doc.pid = static_cast<std::int64_t>(::getpid());
  doc.io_backend = backend_name(built_backend());
  doc.weights = control_.weights();
  doc.changed_at = control_.changed_at();
  doc.changed_by = control_.changed_by();
  for (const auto& stack : control_.table().stacks()) {
    state_document::stack_entry entry{
        stack.name, stack.has_healthy_endpoint(), stack.draining, stack.weight, {}, 0};
    for (const auto& endpoint : stack.endpoints) {
      entry.endpoints.push_back({endpoint.name, endpoint.healthy});
    }
    // Closes are read before opens, so a tunnel that comes and goes meanwhile
    // never makes the count too low.
    std::int64_t closed = 0;
    std::int64_t opened = 0;
    for (const auto& w : control_.workers()) {
      closed += static_cast<std::int64_t>(w->metrics().stack(stack.id).websockets_closed.load());
    }
    for (const auto& w : control_.workers()) {
      opened += static_cast<std::int64_t>(w->metrics().stack(stack.id).websockets_opened.load());
    }
    entry.websockets = std::max<std::int64_t>(opened - closed, 0);
    doc.stacks.push_back(std::move(entry));
  }
  doc.rollout_json = rollouts_.status_json();
  doc.rollback_target = control_.rollback_target();
  return doc;
}

}  // namespace quikedge::server
