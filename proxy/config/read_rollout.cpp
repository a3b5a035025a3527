// Shape layer for the timeouts, limits and rollout sections.
#include "config/read_sections.hpp"

namespace quikedge::config_detail {

void read_timeouts(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto entries = r.map_entries(f.value, f.path,
                               {"connect", "request_header", "idle", "upstream_response",
                                "shutdown_drain", "tls_handshake"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "connect") {
      r.read_duration(e, out.timeouts.connect);
    } else if (e.key == "request_header") {
      r.read_duration(e, out.timeouts.request_header);
    } else if (e.key == "idle") {
      r.read_duration(e, out.timeouts.idle);
    } else if (e.key == "upstream_response") {
      r.read_duration(e, out.timeouts.upstream_response);
    } else if (e.key == "shutdown_drain") {
      r.read_duration(e, out.timeouts.shutdown_drain);
    } else if (e.key == "tls_handshake") {
      r.read_duration(e, out.timeouts.tls_handshake);
    }
  }
}

void read_limits(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto entries = r.map_entries(f.value, f.path,
                               {"max_request_header_bytes", "max_request_body_bytes",
                                "max_connections", "max_concurrent_streams"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "max_request_header_bytes") {
      r.read_unsigned(e, out.limits.max_request_header_bytes);
    } else if (e.key == "max_request_body_bytes") {
      r.read_unsigned(e, out.limits.max_request_body_bytes);
    } else if (e.key == "max_connections") {
      r.read_unsigned(e, out.limits.max_connections);
    } else if (e.key == "max_concurrent_streams") {
      r.read_unsigned(e, out.limits.max_concurrent_streams);
    }
  }
}

namespace {

void read_steps(const field& f, node_reader& r, rollout_config& out) {
  auto items = r.list_items(f.value, f.path);
  if (!items) {
    return;
  }
  // Steps given in the file replace the built-in 10/50/100 plan as a whole.
  out.steps.clear();
  for (const field& item : *items) {
    rollout_step step;
    auto entries = r.map_entries(item.value, item.path, {"weight", "pause"});
    if (!entries) {
      out.steps.push_back(step);  // keeps indexes equal to the file's
      continue;
    }
    if (const field* weight = r.require(*entries, item.path, "weight")) {
      r.read_unsigned(*weight, step.weight);
    }
    if (const field* pause = find_field(*entries, "pause")) {
      r.read_duration(*pause, step.pause);
    }
    out.steps.push_back(step);
  }
}

void read_gates(const field& f, node_reader& r, rollout_gates& out) {
  auto entries = r.map_entries(f.value, f.path,
                               {"window", "min_requests", "max_error_rate", "max_p99_latency"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "window") {
      r.read_duration(e, out.window);
    } else if (e.key == "min_requests") {
      r.read_unsigned(e, out.min_requests);
    } else if (e.key == "max_error_rate") {
      r.read_number(e, out.max_error_rate);
    } else if (e.key == "max_p99_latency") {
      r.read_duration(e, out.max_p99_latency);
    }
  }
}

}  // namespace

void read_rollout(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto entries = r.map_entries(f.value, f.path, {"steps", "gates", "state_file"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "steps") {
      read_steps(e, r, out.rollout);
    } else if (e.key == "gates") {
      read_gates(e, r, out.rollout.gates);
    } else if (e.key == "state_file") {
      if (r.read_string(e, out.rollout.state_file)) {
        out.rollout.state_file = ctx.resolve(out.rollout.state_file);
      }
    }
  }
}

}  // namespace quikedge::config_detail

namespace quikedge::config_detail {

void read_retries(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto entries = r.map_entries(f.value, f.path, {"attempts", "budget_ratio"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "attempts") {
      r.read_unsigned(e, out.retries.attempts);
    } else if (e.key == "budget_ratio") {
      r.read_number(e, out.retries.budget_ratio);
    }
  }
}

void read_access_log(const field& f, read_context& ctx, config& out) {
  node_reader& r = ctx.reader;
  auto entries = r.map_entries(f.value, f.path, {"path", "sample_rate"});
  if (!entries) {
    return;
  }
  for (const field& e : *entries) {
    if (e.key == "path") {
      r.read_string(e, out.access_log.path);
    } else if (e.key == "sample_rate") {
      r.read_number(e, out.access_log.sample_rate);
    }
  }
}

}  // namespace quikedge::config_detail
