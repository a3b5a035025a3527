// Shape layer for the stacks and routing sections.
#include "config/read_sections.hpp"
#include "config/validate.hpp"

namespace quikedge::config_detail {

namespace {

void read_health_check(const field& f, node_reader& r, stack_config& out) {
  auto entries = r.map_entries(
      f.value, f.path, {"path", "interval", "timeout", "healthy_threshold", "unhealthy_threshold"});
  if (!entries) {
    return;
  }
  health_check_config check;  // keys left out keep their defaults
  for (const field& e : *entries) {
    if (e.key == "path") {
      r.read_string(e, check.path);
    } else if (e.key == "interval") {
      r.read_duration(e, check.interval);
    } else if (e.key == "timeout") {
      r.read_duration(e, check.timeout);
    } else if (e.key == "healthy_threshold") {
      r.read_unsigned(e, check.healthy_threshold);
    } else if (e.key == "unhealthy_threshold") {
      r.read_unsigned(e, check.unhealthy_threshold);
    }
  }
  out.health_check = check;
}

void read_outlier_detection(const field& f, node_reader& r, stack_config& out) {
  auto entries = r.map_entries(
      f.value, f.path,
      {"consecutive_failures", "base_ejection", "max_ejection", "eject_last_endpoint"});
  if (!entries) {
    return;
  }
  outlier_detection_config outlier;
  for (const field& e : *entries) {
    if (e.key == "consecutive_failures") {
      r.read_unsigned(e, outlier.consecutive_failures);
    } else if (e.key == "base_ejection") {
      r.read_duration(e, outlier.base_ejection);
    } else if (e.key == "max_ejection") {
      r.read_duration(e, outlier.max_ejection);
    } else if (e.key == "eject_last_endpoint") {
      r.read_bool(e, outlier.eject_last_endpoint);
    }
  }
  out.outlier_detection = outlier;
}

void read_upstream_tls(const field& f, read_context& ctx, stack_config& out) {
  node_reader& r = ctx.reader;
  auto entries = r.map_entries(f.value, f.path, {"ca", "sni", "verify"});
  if (!entries) {
    return;
  }
  upstream_tls_config tls;
  for (const field& e : *entries) {
    if (e.key == "ca") {
      if (r.read_string(e, tls.ca)) {
        tls.ca = ctx.resolve(tls.ca);
      }
    } else if (e.key == "sni") {
      r.read_string(e, tls.sni);
    } else if (e.key == "verify") {
      r.read_bool(e, tls.verify);
    }
  }
  out.tls = std::move(tls);
}

}  // namespace

void read_stacks(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto stacks = r.map_entries(f.value, f.path, {});
  if (!stacks) {
    return;
  }
  // File order is kept: it is the display order in the admin API and dashboards.
  for (const field& s : *stacks) {
    stack_config stack;
    stack.name = s.key;
    auto entries = r.map_entries(
        s.value, s.path,
        {"endpoints", "health_check", "outlier_detection", "load_balancer", "tls", "protocol"});
    if (entries) {
      if (const field* endpoints = r.require(*entries, s.path, "endpoints")) {
        if (auto items = r.list_items(endpoints->value, endpoints->path)) {
          // Unreadable items are kept (as defaults) so that indexes match the file.
          for (const field& item : *items) {
            address endpoint;
            r.read_address(item, endpoint);
            stack.endpoints.push_back(endpoint);
          }
        }
      }
      if (const field* check = find_field(*entries, "health_check")) {
        read_health_check(*check, r, stack);
      }
      if (const field* outlier = find_field(*entries, "outlier_detection")) {
        read_outlier_detection(*outlier, r, stack);
      }
      if (const field* tls = find_field(*entries, "tls")) {
        read_upstream_tls(*tls, ctx, stack);
      }
      if (const field* balancer = find_field(*entries, "load_balancer")) {
        int choice = 0;
        if (r.read_choice(*balancer, {"round_robin", "least_request"}, choice)) {
          stack.balancer = static_cast<load_balancer>(choice);
        }
      }
      if (const field* protocol = find_field(*entries, "protocol")) {
        int choice = 0;
        if (r.read_choice(*protocol, {"http1", "h2c"}, choice)) {
          stack.protocol = static_cast<upstream_protocol>(choice);
        }
      }
    }
    // The stack is kept even when its body is broken, so that weights naming it
    // are not also reported as naming an unknown stack.
    out.stacks.push_back(std::move(stack));
  }
}

namespace {

void read_weights(const field& f, node_reader& r, routing_config& out) {
  auto entries = r.map_entries(f.value, f.path, {});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    std::uint64_t weight = 0;
    if (r.read_unsigned_max(e, max_stack_weight, weight)) {
      out.weights[e.key] = static_cast<std::uint32_t>(weight);
    }
  }
}

// hash_key is "header:NAME" or "cookie:NAME"; NAME is checked as an HTTP token in validate.
void read_hash_key(const field& f, node_reader& r, sticky_config& out) {
  std::string text;
  if (!r.read_string(f, text)) {
    return;
  }
  std::size_t colon = text.find(':');
  std::string source = text.substr(0, colon);
  if (colon == std::string::npos || colon + 1 == text.size() ||
      (source != "header" && source != "cookie")) {
    r.fail(f.path, f.path + ": expected \"header:NAME\" or \"cookie:NAME\", got \"" + text + "\"");
    return;
  }
  out.hash_source =
      source == "header" ? sticky_config::key_source::header : sticky_config::key_source::cookie;
  out.hash_name = text.substr(colon + 1);
}

void read_sticky(const field& f, node_reader& r, sticky_config& out) {
  auto entries = r.map_entries(f.value, f.path, {"cookie", "cookie_ttl", "hash_key"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "cookie") {
      r.read_string(e, out.cookie);
    } else if (e.key == "cookie_ttl") {
      r.read_duration(e, out.cookie_ttl);
    } else if (e.key == "hash_key") {
      read_hash_key(e, r, out);
    }
  }
}

void read_websocket(const field& f, node_reader& r, websocket_config& out) {
  auto entries =
      r.map_entries(f.value, f.path, {"drain_timeout", "rollback_drain_timeout", "idle_timeout"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "drain_timeout") {
      r.read_duration(e, out.drain_timeout);
    } else if (e.key == "rollback_drain_timeout") {
      r.read_duration(e, out.rollback_drain_timeout);
    } else if (e.key == "idle_timeout") {
      r.read_duration(e, out.idle_timeout);
    }
  }
}

}  // namespace

void read_routing(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto entries =
      r.map_entries(f.value, f.path,
                    {"weights", "override_header", "stack_response_header", "sticky", "websocket"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "weights") {
      read_weights(e, r, out.routing);
    } else if (e.key == "override_header") {
      r.read_string(e, out.routing.override_header);
    } else if (e.key == "stack_response_header") {
      r.read_string(e, out.routing.stack_response_header);
    } else if (e.key == "sticky") {
      read_sticky(e, r, out.routing.sticky);
    } else if (e.key == "websocket") {
      read_websocket(e, r, out.routing.websocket);
    }
  }
  // A forgotten weights map would leave every stack at 0; say what is missing instead.
  r.require(*entries, f.path, "weights");
}

}  // namespace quikedge::config_detail
