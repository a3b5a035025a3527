// GET /healthz, /readyz and /metrics: unauthenticated, for probes and Prometheus.
#include "admin/handlers.hpp"
#include "metrics/prometheus_text.hpp"

namespace quikedge::admin {

void handle_healthz(admin_context&, const call& c, const respond_fn& respond) {
  respond(json_response(c.message, http::status::ok, R"({"status":"ok"})"));
}

void handle_readyz(admin_context& ctx, const call& c, const respond_fn& respond) {
  const auto& control = ctx.control;
  bool weighted_stack_healthy = false;
  for (const auto& stack : control.table().stacks()) {
    weighted_stack_healthy |= stack.weight > 0 && stack.has_healthy_endpoint();
  }
  if (control.listeners_up() && weighted_stack_healthy) {
    respond(json_response(c.message, http::status::ok, R"({"ready":true})"));
  } else {
    respond(json_response(c.message, http::status::service_unavailable,
                          control.listeners_up()
                              ? R"({"ready":false,"reason":"no stack with weight > 0 is healthy"})"
                              : R"({"ready":false,"reason":"listeners are not up"})"));
  }
}

void handle_metrics(admin_context& ctx, const call& c, const respond_fn& respond) {
  const auto& control = ctx.control;
  metrics::exposition_input input;
  input.environment = control.settings().environment;
  input.stack_names = control.stack_names();
  for (const auto& w : control.workers()) {
    input.workers.push_back(&w->metrics());
  }
  for (const auto& stack : control.table().stacks()) {
    metrics::stack_gauge gauge{stack.name, stack.id, stack.weight, {}};
    for (const auto& endpoint : stack.endpoints) {
      gauge.endpoints.push_back({endpoint.name, endpoint.healthy});
    }
    input.stacks.push_back(std::move(gauge));
  }
  const auto& tls = control.tls_contexts();
  for (std::size_t i = 0; i < tls.size(); ++i) {
    if (!tls[i]) {
      continue;
    }
    metrics::tls_listener_gauge listener{control.settings().listeners[i].name, i, {}};
    for (const auto& cert : tls[i]->certificates()) {
      listener.certificates.push_back({cert.subject, cert.not_after});
    }
    input.tls_listeners.push_back(std::move(listener));
  }
  input.memory_released_bytes = control.memory_release().released_bytes();
  input.memory_releases = control.memory_release().releases();
  input.config_version = control.version();
  input.rollout_state = std::string(rollout::to_string(ctx.rollouts.state()));
  const auto& store = control.store();
  input.state_store_up = store.available();
  input.state_version_applied = control.version();
  if (store.backend() == "etcd") {
    input.fleet_replicas = store.replicas().size();
  }
  response res{http::status::ok, c.message.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.keep_alive(c.message.keep_alive());
  res.body() = metrics::render_prometheus(input);
  res.body() += ctx.rollouts.gate_metrics();
  res.prepare_payload();
  respond(std::move(res));
}

}  // namespace quikedge::admin
