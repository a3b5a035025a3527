// Shape layer for the state section: which backend keeps the routing state
// and, for etcd, where the fleet's members are and how its keys are laid out.
// Everything etcd needs is checked here, at the value that is wrong, so that a
// fleet misconfigured in one replica's file fails at start, not at first change.
#include <unistd.h>

#include <cstdio>

#include "config/read_sections.hpp"
#include "quikedge/config_loader.hpp"

namespace quikedge::config_detail {
namespace {

constexpr duration min_lease_ttl{1000};
constexpr duration max_lease_ttl{60000};

void read_endpoints(const field& f, node_reader& r, etcd_config& out) {
  auto items = r.list_items(f.value, f.path);
  if (!items) {
    return;
  }
  if (items->empty()) {
    r.fail(f.path, f.path + ": at least one etcd endpoint is required");
    return;
  }
  for (const field& item : *items) {
    std::string text;
    if (!r.read_string(item, text)) {
      continue;
    }
    if (text.starts_with("https://")) {
      r.fail(item.path, item.path + ": TLS to etcd is not supported yet; use an http:// endpoint");
      continue;
    }
    if (!text.starts_with("http://")) {
      r.fail(item.path, item.path + ": an etcd endpoint is http://HOST:PORT, got \"" + text + "\"");
      continue;
    }
    std::string rest = text.substr(7);
    if (rest.ends_with('/')) {
      rest.pop_back();
    }
    std::string why;
    auto parsed = parse_address(rest, why);
    if (!parsed) {
      r.fail(item.path, item.path + ": bad etcd endpoint \"" + text + "\": " + why);
      continue;
    }
    out.endpoints.push_back(*parsed);
  }
}

void read_etcd(const field& f, node_reader& r, etcd_config& out) {
  auto entries = r.map_entries(f.value, f.path, {"endpoints", "prefix", "lease_ttl", "replica_id"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "endpoints") {
      read_endpoints(e, r, out);
    } else if (e.key == "prefix") {
      std::string prefix;
      if (!r.read_string(e, prefix)) {
        continue;
      }
      // Keys are PREFIX/state and PREFIX/replicas/ID: a relative or trailing-slash
      // prefix would give two fleets that think they share keys different ones.
      if (!prefix.starts_with('/') || prefix.size() < 2 || prefix.ends_with('/')) {
        r.fail(e.path,
               e.path + ": must start with '/' and not end with one (e.g. /quikedge/live), got \"" +
                   prefix + "\"");
        continue;
      }
      out.prefix = prefix;
    } else if (e.key == "lease_ttl") {
      duration ttl{};
      if (!r.read_duration(e, ttl)) {
        continue;
      }
      if (ttl < min_lease_ttl || ttl > max_lease_ttl || ttl.count() % 1000 != 0) {
        r.fail(e.path, e.path + ": must be whole seconds between 1s and 60s");
        continue;
      }
      out.lease_ttl = ttl;
    } else if (e.key == "replica_id") {
      r.read_string(e, out.replica_id);
    }
  }
}

}  // namespace

void read_state(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto entries = r.map_entries(f.value, f.path, {"backend", "file", "etcd"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "backend") {
      int index = 0;
      if (r.read_choice(e, {"file", "etcd"}, index)) {
        out.state.backend = static_cast<state_backend>(index);
      }
    } else if (e.key == "file") {
      if (r.read_string(e, out.state.file)) {
        out.state.file = ctx.resolve(out.state.file);
      }
    } else if (e.key == "etcd") {
      read_etcd(e, r, out.state.etcd);
    }
  }
  if (out.state.backend != state_backend::etcd || !out.state.etcd.endpoints.empty()) {
    return;
  }
  const field* etcd = find_field(*entries, "etcd");
  if (etcd == nullptr) {
    r.fail(child_path(f.path, "backend"),
           child_path(f.path, "backend") + ": etcd needs state.etcd.endpoints");
  } else if (etcd->value.IsMap()) {
    if (!etcd->value["endpoints"]) {
      r.fail_at_key(etcd->path, etcd->path + ".endpoints: required key is missing");
    }
  }
}

std::string default_replica_id(const config& cfg) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "localhost");
  }
  // An admin port chosen by the kernel (0) would name every replica on the
  // host alike, and they would overwrite each other's registration: the process
  // id tells them apart instead.
  if (cfg.admin.bind.port == 0) {
    return std::string(host) + ":pid" + std::to_string(::getpid());
  }
  return std::string(host) + ":" + std::to_string(cfg.admin.bind.port);
}

}  // namespace quikedge::config_detail
