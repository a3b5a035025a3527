// Shape layer for the top level, listeners, admin and trusted_proxies sections.
#include <algorithm>
#include <cctype>

#include "config/read_sections.hpp"

namespace quikedge::config_detail {

std::string read_context::resolve(const std::string& path) const {
  if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute()) {
    return path;
  }
  return (base_dir / path).lexically_normal().string();
}

void read_config(const YAML::Node& root, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  r.set_root(root);
  auto top = r.map_entries(root, "",
                           {"environment", "workers", "io_backend", "log_level", "listeners",
                            "admin", "stacks", "routing", "timeouts", "limits", "retries",
                            "access_log", "rollout", "trusted_proxies", "upgrade_socket", "state"});
  if (!top) {
    return;
  }
  for (const field& f : *top) {
    if (f.key == "environment") {
      r.read_string(f, out.environment);
    } else if (f.key == "workers") {
      r.read_unsigned(f, out.workers);
    } else if (f.key == "io_backend") {
      int index = 0;
      if (r.read_choice(f, {"auto", "epoll", "io_uring"}, index)) {
        out.backend = static_cast<io_backend>(index);
      }
    } else if (f.key == "log_level") {
      int index = 0;
      if (r.read_choice(f, {"debug", "info", "warn", "error"}, index)) {
        out.level = static_cast<log_level>(index);
      }
    } else if (f.key == "listeners") {
      read_listeners(f, ctx, out);
    } else if (f.key == "admin") {
      read_admin(f, ctx, out);
    } else if (f.key == "stacks") {
      read_stacks(f, ctx, out);
    } else if (f.key == "routing") {
      read_routing(f, ctx, out);
    } else if (f.key == "timeouts") {
      read_timeouts(f, ctx, out);
    } else if (f.key == "limits") {
      read_limits(f, ctx, out);
    } else if (f.key == "rollout") {
      read_rollout(f, ctx, out);
    } else if (f.key == "retries") {
      read_retries(f, ctx, out);
    } else if (f.key == "access_log") {
      read_access_log(f, ctx, out);
    } else if (f.key == "trusted_proxies") {
      read_trusted_proxies(f, ctx, out);
    } else if (f.key == "state") {
      read_state(f, ctx, out);
    } else if (f.key == "upgrade_socket") {
      if (r.read_string(f, out.upgrade_socket)) {
        out.upgrade_socket = ctx.resolve(out.upgrade_socket);
      }
    }
  }
  // Without listeners the proxy serves nothing, and without stacks and weights
  // it has nowhere to send requests; there are no useful defaults for them.
  r.require(*top, "", "listeners");
  r.require(*top, "", "stacks");
  r.require(*top, "", "routing");
}

namespace {

/// The listener's `tls` map has an `alpn` key (then the file's list stands).
bool tls_names_alpn(const fields& listener_entries) {
  const field* tls = find_field(listener_entries, "tls");
  return tls != nullptr && tls->value.IsMap() && tls->value["alpn"].IsDefined();
}

}  // namespace

void read_listeners(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto items = r.list_items(f.value, f.path);
  if (!items) {
    return;
  }
  // Every item is kept, even unreadable ones (as defaults, marked broken), so
  // that later layers can name listeners[i] by the index in the file.
  for (const field& item : *items) {
    listener_config listener;
    auto entries =
        r.map_entries(item.value, item.path, {"name", "address", "tls", "proxy_protocol", "http2"});
    if (!entries) {
      out.listeners.push_back(std::move(listener));
      continue;
    }
    if (const field* name = r.require(*entries, item.path, "name")) {
      r.read_string(*name, listener.name);
    }
    if (const field* bind = r.require(*entries, item.path, "address")) {
      r.read_address(*bind, listener.bind);
    }
    if (const field* tls = find_field(*entries, "tls")) {
      read_tls(*tls, ctx, listener);
    }
    if (const field* proxy_protocol = find_field(*entries, "proxy_protocol")) {
      r.read_bool(*proxy_protocol, listener.proxy_protocol);
    }
    if (const field* http2 = find_field(*entries, "http2")) {
      r.read_bool(*http2, listener.http2);
    }
    if (listener.tls && listener.http2) {
      listener.tls->http2 = true;
      // Not written in the file: offer h2 first, as every HTTP/2 server does.
      if (listener.tls->alpn == std::vector<std::string>{"http/1.1"} && !tls_names_alpn(*entries)) {
        listener.tls->alpn = {"h2", "http/1.1"};
      }
    }
    out.listeners.push_back(std::move(listener));
  }
}

namespace {

void read_token(const field& item, node_reader& r, admin_config& out) {
  admin_token token;
  auto entries = r.map_entries(item.value, item.path, {"name", "role", "token_sha256"});
  if (!entries) {
    out.tokens.push_back(std::move(token));  // keeps indexes equal to the file's
    return;
  }
  if (const field* name = r.require(*entries, item.path, "name")) {
    r.read_string(*name, token.name);
  }
  if (const field* role_field = r.require(*entries, item.path, "role")) {
    int index = 0;
    if (r.read_choice(*role_field, {"readonly", "operator", "admin"}, index)) {
      token.token_role = static_cast<role>(index);
    }
  }
  if (const field* hash = r.require(*entries, item.path, "token_sha256")) {
    if (r.read_string(*hash, token.token_sha256)) {
      // sha256sum prints lower case, other tools upper case; compare one form.
      std::transform(token.token_sha256.begin(), token.token_sha256.end(),
                     token.token_sha256.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
  }
  out.tokens.push_back(std::move(token));
}

}  // namespace

void read_admin(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto entries =
      r.map_entries(f.value, f.path, {"address", "tokens", "audit_log", "max_body_bytes"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "address") {
      r.read_address(e, out.admin.bind);
    } else if (e.key == "tokens") {
      if (auto items = r.list_items(e.value, e.path)) {
        for (const field& item : *items) {
          read_token(item, r, out.admin);
        }
      }
    } else if (e.key == "audit_log") {
      if (r.read_string(e, out.admin.audit_log)) {
        out.admin.audit_log = ctx.resolve(out.admin.audit_log);
      }
    } else if (e.key == "max_body_bytes") {
      r.read_unsigned(e, out.admin.max_body_bytes);
    }
  }
}

void read_trusted_proxies(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto items = r.list_items(f.value, f.path);
  if (!items) {
    return;
  }
  // An empty list is kept as set: it means "trust no one", unlike an absent key.
  std::vector<ip_range> ranges;
  for (const field& item : *items) {
    ip_range range;
    if (r.read_ip_range(item, range)) {
      ranges.push_back(range);
    }
  }
  out.trusted_proxies = std::move(ranges);
}

}  // namespace quikedge::config_detail
