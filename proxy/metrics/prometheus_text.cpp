// Prometheus text rendering.
#include "metrics/prometheus_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "metrics/process_metrics.hpp"

namespace quikedge::metrics {
namespace {

constexpr std::array<std::string_view, 6> rollout_states = {"idle",      "progressing", "paused",
                                                            "succeeded", "rolled_back", "aborted"};

void append_uint(std::string& out, std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

/// Shortest text that reads back as the same double ("0.05", not "0.05000000000000000277").
void append_double(std::string& out, double value) {
  char digits[32];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

void family_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

/// `{environment="..",stack=".."` without the closing brace.
void open_labels(std::string& out, const exposition_input& input, std::string_view stack) {
  out.append("{environment=\"").append(escape_label_value(input.environment));
  out.append("\",stack=\"").append(escape_label_value(stack)).append("\"");
}

std::string_view stack_label(const exposition_input& input, std::size_t id) {
  if (id == no_stack || id >= input.stack_names.size()) {
    return "none";
  }
  return input.stack_names[id];
}

template <class Getter>
std::uint64_t sum_over_workers(const exposition_input& input, std::size_t id, Getter get) {
  std::uint64_t total = 0;
  for (const auto* worker : input.workers) {
    total += get(worker->stack(id));
  }
  return total;
}

/// Statuses whose series exist from the start for every configured stack: rate()
/// cannot see the increase that creates a series, so a first burst of 5xx would
/// otherwise be invisible to the error-rate alerts for one scrape interval.
bool always_exported(int status) {
  return status == 200 || status == 500 || status == 502 || status == 503 || status == 504;
}

void render_requests(std::string& out, const exposition_input& input,
                     const std::vector<std::size_t>& ids) {
  family_header(out, "http_requests_total", "counter",
                "HTTP requests answered, by stack and status.");
  std::vector<bool> configured(no_stack + 1, false);
  for (const auto& stack : input.stacks) {
    configured[stack.id] = true;
  }
  for (std::size_t id : ids) {
    for (int status = min_status; status <= max_status; ++status) {
      auto count = sum_over_workers(input, id, [status](const stack_counters& c) {
        return c.responses_by_status[status - min_status].load(std::memory_order_relaxed);
      });
      if (count == 0 && !(configured[id] && always_exported(status))) {
        continue;
      }
      out.append("http_requests_total");
      open_labels(out, input, stack_label(input, id));
      out.append(",status=\"");
      append_uint(out, static_cast<std::uint64_t>(status));
      out.append("\"} ");
      append_uint(out, count);
      out.push_back('\n');
    }
  }
}

void render_durations(std::string& out, const exposition_input& input,
                      const std::vector<std::size_t>& ids) {
  family_header(out, "http_request_duration_seconds", "histogram",
                "Time from request head to the end of the response.");
  for (std::size_t id : ids) {
    std::uint64_t cumulative = 0;
    for (std::size_t bucket = 0; bucket <= duration_bounds.size(); ++bucket) {
      cumulative += sum_over_workers(input, id, [bucket](const stack_counters& c) {
        return c.duration_buckets[bucket].load(std::memory_order_relaxed);
      });
      out.append("http_request_duration_seconds_bucket");
      open_labels(out, input, stack_label(input, id));
      out.append(",le=\"");
      if (bucket < duration_bounds.size()) {
        append_double(out, duration_bounds[bucket]);
      } else {
        out.append("+Inf");
      }
      out.append("\"} ");
      append_uint(out, cumulative);
      out.push_back('\n');
    }
    auto micros = sum_over_workers(input, id, [](const stack_counters& c) {
      return c.duration_sum_micros.load(std::memory_order_relaxed);
    });
    out.append("http_request_duration_seconds_sum");
    open_labels(out, input, stack_label(input, id));
    out.append("} ");
    append_double(out, static_cast<double>(micros) / 1e6);
    out.append("\nhttp_request_duration_seconds_count");
    open_labels(out, input, stack_label(input, id));
    out.append("} ");
    append_uint(out, cumulative);
    out.push_back('\n');
  }
}

void render_gauges(std::string& out, const exposition_input& input) {
  family_header(out, "websocket_connections_active", "gauge", "Open WebSocket connections.");
  for (const auto& stack : input.stacks) {
    // Closed first: a tunnel that opens and closes between the two reads then
    // counts in both, never in closed alone (which would undercount).
    auto closed = sum_over_workers(input, stack.id, [](const stack_counters& c) {
      return c.websockets_closed.load(std::memory_order_acquire);
    });
    auto opened = sum_over_workers(input, stack.id, [](const stack_counters& c) {
      return c.websockets_opened.load(std::memory_order_acquire);
    });
    out.append("websocket_connections_active");
    open_labels(out, input, stack.name);
    out.append("} ");
    append_uint(out, opened > closed ? opened - closed : 0);
    out.push_back('\n');
  }
  family_header(out, "quikedge_stack_weight", "gauge", "Live routing weight of each stack.");
  for (const auto& stack : input.stacks) {
    out.append("quikedge_stack_weight");
    open_labels(out, input, stack.name);
    out.append("} ");
    append_uint(out, stack.weight);
    out.push_back('\n');
  }
  family_header(out, "quikedge_config_version", "gauge", "Version of the live routing state.");
  out.append("quikedge_config_version{environment=\"")
      .append(escape_label_value(input.environment))
      .append("\"} ");
  append_uint(out, input.config_version);
  out.push_back('\n');
  auto environment_sample = [&](const char* name, const char* type, const char* help,
                                std::uint64_t value) {
    family_header(out, name, type, help);
    out.append(name).append("{environment=\"").append(escape_label_value(input.environment));
    out.append("\"} ");
    append_uint(out, value);
    out.push_back('\n');
  };
  auto environment_gauge = [&](const char* name, const char* help, std::uint64_t value) {
    environment_sample(name, "gauge", help, value);
  };
  environment_gauge("quikedge_state_store_up",
                    "1 while the state store confirms changes; 0: serving the last applied state.",
                    input.state_store_up ? 1 : 0);
  environment_gauge("quikedge_state_version_applied",
                    "Version of the routing state this replica applied last.",
                    input.state_version_applied);
  std::uint64_t relay_bytes = 0;
  for (const auto* worker : input.workers) {
    relay_bytes += worker->relay_buffer_bytes().load(std::memory_order_relaxed);
  }
  environment_gauge("quikedge_websocket_relay_buffer_bytes",
                    "Bytes of relay buffers WebSocket tunnels hold now; an idle tunnel holds none.",
                    relay_bytes);
  environment_sample("quikedge_memory_released_bytes_total", "counter",
                     "Anonymous resident memory returned to the kernel after the workers went "
                     "quiet (free malloc memory a burst left behind).",
                     input.memory_released_bytes);
  environment_sample("quikedge_memory_releases_total", "counter",
                     "Times free malloc memory was returned to the kernel (once per quiet spell).",
                     input.memory_releases);
  environment_gauge("quikedge_fleet_replicas",
                    "Replicas registered alive in the shared state store (1 with the file store).",
                    input.fleet_replicas);
  family_header(out, "quikedge_upstream_healthy", "gauge", "1 when the endpoint takes traffic.");
  for (const auto& stack : input.stacks) {
    for (const auto& endpoint : stack.endpoints) {
      out.append("quikedge_upstream_healthy");
      open_labels(out, input, stack.name);
      out.append(",endpoint=\"").append(escape_label_value(endpoint.address)).append("\"} ");
      out.append(endpoint.healthy ? "1\n" : "0\n");
    }
  }
  family_header(out, "quikedge_upstream_connections_opened_total", "counter",
                "Upstream TCP connections opened (pool misses).");
  for (const auto& stack : input.stacks) {
    out.append("quikedge_upstream_connections_opened_total");
    open_labels(out, input, stack.name);
    out.append("} ");
    append_uint(out, sum_over_workers(input, stack.id, [](const stack_counters& c) {
                  return c.upstream_connections_opened.load(std::memory_order_relaxed);
                }));
    out.push_back('\n');
  }
  family_header(out, "quikedge_upstream_tls_handshakes_total", "counter",
                "TLS handshakes to upstream endpoints by result (full, resumed, verify_failed, "
                "failed).");
  for (const auto& stack : input.stacks) {
    for (std::size_t r = 0; r < upstream_tls_result_names.size(); ++r) {
      out.append("quikedge_upstream_tls_handshakes_total");
      open_labels(out, input, stack.name);
      out.append(",result=\"").append(upstream_tls_result_names[r]).append("\"} ");
      append_uint(out, sum_over_workers(input, stack.id, [r](const stack_counters& c) {
                    return c.upstream_tls_handshakes[r].load(std::memory_order_relaxed);
                  }));
      out.push_back('\n');
    }
  }
  family_header(out, "quikedge_grpc_responses_total", "counter",
                "gRPC responses through h2c stacks, by grpc-status (other: out of range).");
  for (const auto& stack : input.stacks) {
    for (std::size_t code = 0; code <= grpc_statuses; ++code) {
      const auto n = sum_over_workers(input, stack.id, [code](const stack_counters& c) {
        return c.grpc_by_status[code].load(std::memory_order_relaxed);
      });
      if (n == 0) {
        continue;  // only codes seen, not 18 zero series per stack
      }
      out.append("quikedge_grpc_responses_total");
      open_labels(out, input, stack.name);
      out.append(",grpc_status=\"")
          .append(code < grpc_statuses ? std::to_string(code) : std::string("other"))
          .append("\"} ");
      append_uint(out, n);
      out.push_back('\n');
    }
  }
  family_header(out, "quikedge_rollout_state", "gauge", "1 for the rollout's current state.");
  for (auto state : rollout_states) {
    out.append("quikedge_rollout_state{environment=\"")
        .append(escape_label_value(input.environment))
        .append("\",state=\"")
        .append(state)
        .append("\"} ");
    out.append(state == input.rollout_state ? "1\n" : "0\n");
  }
}

/// `{environment="..",listener=".."` without the closing brace.
void open_listener_labels(std::string& out, const exposition_input& input,
                          std::string_view listener) {
  out.append("{environment=\"").append(escape_label_value(input.environment));
  out.append("\",listener=\"").append(escape_label_value(listener)).append("\"");
}

template <class Getter>
std::uint64_t sum_tls(const exposition_input& input, std::size_t listener, Getter get) {
  std::uint64_t total = 0;
  for (const auto* worker : input.workers) {
    total += get(worker->tls(listener)).load(std::memory_order_relaxed);
  }
  return total;
}

void render_tls_expiry(std::string& out, const exposition_input& input) {
  family_header(out, "quikedge_tls_certificate_expiry_timestamp_seconds", "gauge",
                "notAfter of each certificate a TLS listener serves, as Unix time.");
  for (const auto& listener : input.tls_listeners) {
    // One series per subject: two certificates of one subject (RSA and
    // ECDSA) report the one that expires first, the one an alert is about.
    std::vector<tls_certificate_gauge> shown;
    for (const auto& cert : listener.certificates) {
      auto same = std::find_if(shown.begin(), shown.end(),
                               [&](const auto& s) { return s.subject == cert.subject; });
      if (same == shown.end()) {
        shown.push_back(cert);
      } else {
        same->not_after = std::min(same->not_after, cert.not_after);
      }
    }
    for (const auto& cert : shown) {
      out.append("quikedge_tls_certificate_expiry_timestamp_seconds");
      open_listener_labels(out, input, listener.name);
      out.append(",subject=\"").append(escape_label_value(cert.subject)).append("\"} ");
      append_uint(out, static_cast<std::uint64_t>(std::max<std::int64_t>(cert.not_after, 0)));
      out.push_back('\n');
    }
  }
}

void render_tls_handshakes(std::string& out, const exposition_input& input) {
  family_header(out, "quikedge_tls_handshakes_total", "counter",
                "TLS handshakes completed, by version and session resumption.");
  for (const auto& listener : input.tls_listeners) {
    if (listener.index >= max_tls_listeners) {
      continue;
    }
    for (std::size_t v = 0; v < 2; ++v) {
      for (bool resumed : {false, true}) {
        out.append("quikedge_tls_handshakes_total");
        open_listener_labels(out, input, listener.name);
        out.append(v == 0 ? ",version=\"1.2\"" : ",version=\"1.3\"");
        out.append(resumed ? ",resumed=\"true\"} " : ",resumed=\"false\"} ");
        append_uint(out, sum_tls(
                             input, listener.index, [&](const tls_listener_counters& c) -> auto& {
                               return resumed ? c.resumed[v] : c.full[v];
                             }));
        out.push_back('\n');
      }
    }
  }
  family_header(out, "quikedge_tls_handshake_failures_total", "counter",
                "TLS handshakes that did not complete, by reason.");
  for (const auto& listener : input.tls_listeners) {
    if (listener.index >= max_tls_listeners) {
      continue;
    }
    for (std::size_t r = 0; r < handshake_failure_count; ++r) {
      out.append("quikedge_tls_handshake_failures_total");
      open_listener_labels(out, input, listener.name);
      out.append(",reason=\"").append(handshake_failure_names[r]).append("\"} ");
      append_uint(out, sum_tls(
                           input, listener.index, [&](const tls_listener_counters& c) -> auto& {
                             return c.failures[r];
                           }));
      out.push_back('\n');
    }
  }
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '"') {
      out.append("\\\"");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string render_prometheus(const exposition_input& input) {
  // Series for every stack id ever used (counters must not vanish after a
  // reload removes a stack), then requests that reached no stack.
  std::vector<std::size_t> ids;
  for (std::size_t id = 0; id < input.stack_names.size(); ++id) {
    ids.push_back(id);
  }
  ids.push_back(no_stack);
  std::string out;
  out.reserve(8192);
  render_requests(out, input, ids);
  render_durations(out, input, ids);
  render_gauges(out, input);
  if (!input.tls_listeners.empty()) {
    render_tls_expiry(out, input);
    render_tls_handshakes(out, input);
  }
  append_process_metrics(out, escape_label_value(input.environment));
  return out;
}

}  // namespace quikedge::metrics
