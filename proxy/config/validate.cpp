// Meaning layer: ranges, formats and readable files, one section at a time.
#include "config/validate.hpp"

#include <set>
#include <sstream>

#include "config/parse_values.hpp"

namespace quikedge::config_detail {

namespace {

constexpr unsigned max_workers = 1024;
// Below this even "GET / HTTP/1.1" plus a Host header and a cookie does not fit;
// a smaller value is almost surely a unit mistake (KiB meant, bytes written).
constexpr std::size_t min_header_bytes = 1024;

std::string in_quotes(const std::string& text) {
  return "\"" + text + "\"";
}

// Shortest form ("1.5", not std::to_string's "1.500000"), as the user wrote it.
std::string plain_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

bool is_stack_name(const std::string& name) {
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return false;
    }
  }
  return !name.empty();
}

bool is_sha256_hex(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

void check_positive(reporter& report, const std::string& path, duration value) {
  if (report.usable(path) && value.count() <= 0) {
    report.at_value(path, "must be longer than 0");
  }
}

void check_header_name(reporter& report, const std::string& path, const std::string& name) {
  if (report.usable(path) && !name.empty() && !is_http_token(name)) {
    report.at_value(path, "is not a valid HTTP header name, got " + in_quotes(name));
  }
}

void validate_listeners_and_admin(const config& cfg, reporter& report) {
  if (report.usable("listeners") && cfg.listeners.empty()) {
    report.at_value("listeners", "at least one listener is required");
  }
  for (std::size_t i = 0; i < cfg.listeners.size(); ++i) {
    const listener_config& l = cfg.listeners[i];
    std::string path = "listeners[" + std::to_string(i) + "]";
    if (report.usable(path + ".name") && l.name.empty()) {
      report.at_value(path + ".name", "must not be empty");
    }
    if (l.tls) {
      validate_tls(*l.tls, path + ".tls", report);
    }
  }
  for (std::size_t i = 0; i < cfg.admin.tokens.size(); ++i) {
    const admin_token& t = cfg.admin.tokens[i];
    std::string path = "admin.tokens[" + std::to_string(i) + "]";
    if (report.usable(path + ".name") && t.name.empty()) {
      report.at_value(path + ".name", "must not be empty (it names the caller in the audit log)");
    }
    if (report.usable(path + ".token_sha256") && !is_sha256_hex(t.token_sha256)) {
      report.at_value(path + ".token_sha256",
                      "expected 64 hexadecimal characters (the SHA-256 of the token), got " +
                          in_quotes(t.token_sha256));
    }
  }
  if (report.usable("admin.max_body_bytes") && cfg.admin.max_body_bytes == 0) {
    report.at_value("admin.max_body_bytes", "must be at least 1");
  }
}

void validate_stack(const stack_config& s, reporter& report) {
  std::string path = "stacks." + s.name;
  if (!is_stack_name(s.name)) {
    // Stack names become metric labels and header values, so keep them plain.
    report.at_key(path,
                  "stack name " + in_quotes(s.name) + " may only contain a-z, 0-9, '_' and '-'");
  }
  if (report.usable(path + ".endpoints") && s.endpoints.empty()) {
    report.at_value(path + ".endpoints", "a stack needs at least one endpoint");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < s.endpoints.size(); ++i) {
    std::string item = path + ".endpoints[" + std::to_string(i) + "]";
    std::string text = s.endpoints[i].to_string();
    if (!report.usable(item)) {
      continue;
    }
    if (s.endpoints[i].port == 0) {
      report.at_value(item, "port 0 cannot be connected to, got " + in_quotes(text));
    } else if (!seen.insert(text).second) {
      // A repeated endpoint would silently get twice the share of its stack.
      report.at_value(item, "endpoint " + in_quotes(text) + " is listed twice");
    }
  }
  if (s.tls) {
    validate_upstream_tls(*s.tls, path + ".tls", report);
  }
  if (s.health_check) {
    const health_check_config& h = *s.health_check;
    std::string hc = path + ".health_check";
    if (report.usable(hc + ".path") && (h.path.empty() || h.path.front() != '/')) {
      report.at_value(hc + ".path", "must start with '/', got " + in_quotes(h.path));
    }
    check_positive(report, hc + ".interval", h.interval);
    check_positive(report, hc + ".timeout", h.timeout);
    if (report.usable(hc + ".healthy_threshold") && h.healthy_threshold < 1) {
      report.at_value(hc + ".healthy_threshold", "must be at least 1");
    }
    if (report.usable(hc + ".unhealthy_threshold") && h.unhealthy_threshold < 1) {
      report.at_value(hc + ".unhealthy_threshold", "must be at least 1");
    }
  }
}

void validate_routing(const config& cfg, reporter& report) {
  const routing_config& r = cfg.routing;
  std::uint64_t sum = 0;
  for (const auto& [name, weight] : r.weights) {
    std::string path = "routing.weights." + name;
    if (weight > max_stack_weight) {
      report.at_value(path, "weight " + std::to_string(weight) + " is above the maximum of " +
                                std::to_string(max_stack_weight));
    }
    sum += weight;
  }
  if (report.usable("routing.weights") && sum == 0) {
    report.at_key("routing.weights",
                  "all weights are 0; at least one stack needs a weight above 0");
  }
  check_header_name(report, "routing.override_header", r.override_header);
  check_header_name(report, "routing.stack_response_header", r.stack_response_header);
  if (report.usable("routing.sticky.cookie") && !r.sticky.cookie.empty() &&
      !is_http_token(r.sticky.cookie)) {
    report.at_value("routing.sticky.cookie",
                    "is not a valid cookie name, got " + in_quotes(r.sticky.cookie));
  }
  if (report.usable("routing.sticky.hash_key") &&
      r.sticky.hash_source != sticky_config::key_source::none &&
      !is_http_token(r.sticky.hash_name)) {
    report.at_value("routing.sticky.hash_key",
                    "is not a valid header or cookie name, got " + in_quotes(r.sticky.hash_name));
  }
}

void validate_rollout(const config& cfg, reporter& report) {
  const rollout_config& r = cfg.rollout;
  if (report.usable("rollout.steps") && r.steps.empty()) {
    report.at_value("rollout.steps", "at least one step is required");
  }
  // Each weight is the target stack's percentage; a rollout only moves forward.
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    std::string path = "rollout.steps[" + std::to_string(i) + "].weight";
    std::uint32_t w = r.steps[i].weight;
    if (!report.usable(path)) {
      continue;
    }
    // An unreadable previous weight is 0 here; comparing with it would mislead.
    bool compare = i > 0 && report.usable("rollout.steps[" + std::to_string(i - 1) + "].weight");
    if (w == 0 || w > 100) {
      report.at_value(
          path, "step weight must be between 1 and 100 (a percentage), got " + std::to_string(w));
    } else if (compare && w <= r.steps[i - 1].weight) {
      report.at_value(path, "step weights must increase, got " + std::to_string(w) + " after " +
                                std::to_string(r.steps[i - 1].weight));
    } else if (i + 1 == r.steps.size() && w != 100) {
      report.at_value(path, "the last step must reach 100, got " + std::to_string(w));
    }
  }
  check_positive(report, "rollout.gates.window", r.gates.window);
  check_positive(report, "rollout.gates.max_p99_latency", r.gates.max_p99_latency);
  double rate = r.gates.max_error_rate;
  if (report.usable("rollout.gates.max_error_rate") && !(rate >= 0.0 && rate <= 1.0)) {
    report.at_value("rollout.gates.max_error_rate",
                    "must be between 0 and 1 (a fraction, 0.01 = 1%), got " + plain_number(rate));
  }
}

/// Retries, outlier detection and the access log: ranges that keep them sane.
void validate_resilience(const config& cfg, reporter& report) {
  if (cfg.retries.attempts > 5) {
    report.at_value("retries.attempts",
                    "must be at most 5, got " + std::to_string(cfg.retries.attempts));
  }
  double budget = cfg.retries.budget_ratio;
  if (report.usable("retries.budget_ratio") && !(budget >= 0.0 && budget <= 1.0)) {
    report.at_value(
        "retries.budget_ratio",
        "must be between 0 and 1 (0.2 = at most 20% extra load), got " + plain_number(budget));
  }
  double rate = cfg.access_log.sample_rate;
  if (report.usable("access_log.sample_rate") && !(rate >= 0.0 && rate <= 1.0)) {
    report.at_value("access_log.sample_rate", "must be between 0 and 1, got " + plain_number(rate));
  }
  for (const stack_config& s : cfg.stacks) {
    if (!s.outlier_detection) {
      continue;
    }
    const auto& o = *s.outlier_detection;
    std::string path = "stacks." + s.name + ".outlier_detection";
    if (o.consecutive_failures == 0) {
      report.at_value(path + ".consecutive_failures", "must be at least 1");
    }
    check_positive(report, path + ".base_ejection", o.base_ejection);
    if (o.max_ejection < o.base_ejection) {
      report.at_value(path + ".max_ejection", "must not be shorter than base_ejection");
    }
  }
}

}  // namespace

void validate_values(const config& cfg, const source_map& where, error_list& errors) {
  reporter report(where, errors);
  if (report.usable("environment") && cfg.environment.empty()) {
    report.at_value("environment", "must not be empty (it labels every metric)");
  }
  if (cfg.workers > max_workers) {
    report.at_value("workers", "must be between 0 and " + std::to_string(max_workers) +
                                   " (0 = one per core), got " + std::to_string(cfg.workers));
  }
  validate_listeners_and_admin(cfg, report);
  if (report.usable("stacks") && cfg.stacks.empty()) {
    report.at_value("stacks", "at least one stack is required");
  }
  for (const stack_config& s : cfg.stacks) {
    validate_stack(s, report);
  }
  validate_routing(cfg, report);
  if (cfg.state.backend == state_backend::etcd) {
    validate_etcd_access(cfg.state.etcd, report);
  }
  check_positive(report, "timeouts.connect", cfg.timeouts.connect);
  check_positive(report, "timeouts.request_header", cfg.timeouts.request_header);
  check_positive(report, "timeouts.idle", cfg.timeouts.idle);
  check_positive(report, "timeouts.upstream_response", cfg.timeouts.upstream_response);
  check_positive(report, "timeouts.tls_handshake", cfg.timeouts.tls_handshake);
  if (cfg.timeouts.shutdown_drain > std::chrono::hours(1)) {
    // A drain longer than any orchestrator waits for would end in a SIGKILL anyway.
    report.at_value("timeouts.shutdown_drain", "must be at most 1h");
  }
  // sockaddr_un holds 108 bytes with the terminating NUL.
  if (cfg.upgrade_socket.size() > 107) {
    report.at_value("upgrade_socket", "a Unix socket path is at most 107 bytes, got " +
                                          std::to_string(cfg.upgrade_socket.size()));
  }
  if (cfg.limits.max_request_header_bytes < min_header_bytes) {
    report.at_value("limits.max_request_header_bytes",
                    "must be at least " + std::to_string(min_header_bytes) + ", got " +
                        std::to_string(cfg.limits.max_request_header_bytes));
  }
  if (cfg.limits.max_connections == 0) {
    report.at_value("limits.max_connections", "must be at least 1");
  }
  if (cfg.limits.max_concurrent_streams == 0 || cfg.limits.max_concurrent_streams > 65536) {
    report.at_value(
        "limits.max_concurrent_streams",
        "must be between 1 and 65536, got " + std::to_string(cfg.limits.max_concurrent_streams));
  }
  validate_rollout(cfg, report);
  validate_resilience(cfg, report);
}

}  // namespace quikedge::config_detail
