// The reload diff.
#include "server/reload_plan.hpp"

#include <optional>
#include <string>

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

/// The first setting fixed at start-up that differs, by its config path.
// The files are named, not read: the password file is read again at every
// authentication, but the TLS files only when the process starts.
bool same_etcd_tls(const std::optional<etcd_tls_config>& a,
                   const std::optional<etcd_tls_config>& b) {
  if (!a || !b) {
    return a.has_value() == b.has_value();
  }
  return a->ca == b->ca && a->certificate == b->certificate && a->private_key == b->private_key &&
         a->sni == b->sni && a->verify == b->verify;
}

std::optional<std::string> fixed_at_start_up_changed(const config& running, const config& fresh) {
  if (running.admin.bind != fresh.admin.bind) {
    return "admin.address";
  }
  if (running.admin.audit_log != fresh.admin.audit_log) {
    return "admin.audit_log";
  }
  if (running.workers != fresh.workers) {
    return "workers";
  }
  const auto& a = running.state;
  const auto& b = fresh.state;
  if (a.backend != b.backend || a.file != b.file || a.etcd.endpoints != b.etcd.endpoints ||
      a.etcd.prefix != b.etcd.prefix || a.etcd.lease_ttl != b.etcd.lease_ttl ||
      a.etcd.replica_id != b.etcd.replica_id || a.etcd.use_tls != b.etcd.use_tls ||
      !same_etcd_tls(a.etcd.tls, b.etcd.tls) || a.etcd.username != b.etcd.username ||
      a.etcd.password_file != b.etcd.password_file) {
    return "state";
  }
  return std::nullopt;
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
  // What was bound or opened at start-up: a reload that changed it would be
  // answered 200 while the old value stays in force, and the admin port in
  // particular keeps its socket while the rule that guards it (tokens unless
  // loopback) would be checked against an address it does not listen on.
  if (auto field = fixed_at_start_up_changed(running, fresh)) {
    plan.error = *field + " cannot change on reload; restart the proxy or run a binary upgrade";
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
