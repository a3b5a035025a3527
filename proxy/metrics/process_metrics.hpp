// The standard process_* families every Prometheus client library exports
// (CPU seconds, resident and virtual memory, file descriptors, start time),
// read from /proc/self at scrape time, so dashboards and alerts written for
// any other exporter work on quikedge unchanged. Like every quikedge sample
// they carry the `environment` label (SPEC 1).
#pragma once

#include <string>
#include <string_view>

namespace quikedge::metrics {

/// Appends process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds and
/// process_start_time_seconds, each labelled with `environment` (escaped
/// already). A family whose source cannot be read is left out.
void append_process_metrics(std::string& out, std::string_view escaped_environment);

}  // namespace quikedge::metrics
