// Prometheus text exposition format 0.0.4 for quikedge's metrics.
// Sums the per-worker counters at scrape time; families and series are written
// in a stable order so diffs between scrapes stay readable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/worker_metrics.hpp"

namespace quikedge::metrics {

struct endpoint_gauge {
  std::string address;
  bool healthy = true;
};

struct stack_gauge {
  std::string name;
  routing::stack_id id = 0;
  std::uint32_t weight = 0;
  std::vector<endpoint_gauge> endpoints;
};

struct tls_certificate_gauge {
  std::string subject;
  std::int64_t not_after = 0;  ///< Unix seconds
};

/// A TLS listener: its certificates in use and its handshake counters.
struct tls_listener_gauge {
  std::string name;
  std::size_t index = 0;  ///< config index, for worker_metrics::tls()
  std::vector<tls_certificate_gauge> certificates;
};

struct exposition_input {
  std::string environment;
  std::vector<std::string> stack_names;  ///< index: stack id (includes removed stacks)
  std::vector<const worker_metrics*> workers;
  std::vector<stack_gauge> stacks;  ///< the stacks configured now
  std::uint64_t config_version = 0;
  std::string rollout_state = "idle";
  bool state_store_up = true;
  std::uint64_t state_version_applied = 0;
  std::uint64_t fleet_replicas = 1;  ///< replicas registered alive (1 with the file store)
  std::vector<tls_listener_gauge> tls_listeners;
  std::uint64_t memory_released_bytes = 0;  ///< server/idle_memory_release.hpp
  std::uint64_t memory_releases = 0;
};

/// Renders every family. Output ends with a newline.
std::string render_prometheus(const exposition_input& input);

/// Escapes a label value: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

}  // namespace quikedge::metrics
