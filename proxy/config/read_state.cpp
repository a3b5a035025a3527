// Shape layer for the state section: which backend keeps the routing state
// and, for etcd, where the fleet's members are and how its keys are laid out.
// Everything etcd needs is checked here, at the value that is wrong, so that a
// fleet misconfigured in one replica's file fails at start, not at first change.
#include <unistd.h>

#include <cstdio>
#include <optional>

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
  std::optional<bool> first_is_tls;
  for (const field& item : *items) {
    std::string text;
    if (!r.read_string(item, text)) {
      continue;
    }
    const bool tls = text.starts_with("https://");
    if (!tls && !text.starts_with("http://")) {
      r.fail(item.path, item.path +
                            ": an etcd endpoint is http://HOST:PORT or https://HOST:PORT, got \"" +
                            text + "\"");
      continue;
    }
    // One TLS setting serves every member: a fleet half on TLS would send its
    // credentials in the clear to the other half.
    if (first_is_tls && *first_is_tls != tls) {
      r.fail(item.path, item.path +
                            ": every etcd endpoint must use the same scheme as the first (" +
                            (*first_is_tls ? "https" : "http") + "://)");
      continue;
    }
    first_is_tls = tls;
    std::string rest = text.substr(tls ? 8 : 7);
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
  out.use_tls = first_is_tls.value_or(false);
}

void read_etcd_tls(const field& f, read_context& ctx, std::optional<etcd_tls_config>& tls) {
  node_reader& r = ctx.reader;
  auto entries =
      r.map_entries(f.value, f.path, {"ca", "certificate", "private_key", "sni", "verify"});
  if (!entries) {
    return;
  }
  etcd_tls_config& out = tls.emplace();
  for (const field& e : *entries) {
    if (e.key == "ca" || e.key == "certificate" || e.key == "private_key") {
      std::string& file = e.key == "ca"            ? out.ca
                          : e.key == "certificate" ? out.certificate
                                                   : out.private_key;
      if (r.read_string(e, file)) {
        file = ctx.resolve(file);
      }
    } else if (e.key == "sni") {
      r.read_string(e, out.sni);
    } else if (e.key == "verify") {
      r.read_bool(e, out.verify);
    }
  }
}

void read_etcd(const field& f, read_context& ctx, etcd_config& out) {
  node_reader& r = ctx.reader;
  auto entries = r.map_entries(
      f.value, f.path,
      {"endpoints", "prefix", "lease_ttl", "replica_id", "tls", "username", "password_file"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "endpoints") {
      read_endpoints(e, r, out);
    } else if (e.key == "tls") {
      read_etcd_tls(e, ctx, out.tls);
    } else if (e.key == "username") {
      r.read_string(e, out.username);
    } else if (e.key == "password_file") {
      if (r.read_string(e, out.password_file)) {
        out.password_file = ctx.resolve(out.password_file);
      }
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
      read_etcd(e, ctx, out.state.etcd);
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
