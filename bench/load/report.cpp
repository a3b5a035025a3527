// Text and JSON reports of quikedge-bench.
#include "load/report.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <iostream>

namespace quikedge::bench::load {
namespace {

constexpr std::array<std::pair<const char*, double>, 5> percentiles{
    {{"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}, {"p99.9", 99.9}, {"p99.99", 99.99}}};

double per_second(const run_result& result) {
  return result.seconds > 0 ? static_cast<double>(result.stats.responses) / result.seconds : 0.0;
}

std::string mode_text(const bench_options& options) {
  if (options.rate > 0) {
    return "constant rate " + std::to_string(static_cast<long long>(options.rate)) +
           " req/s (latency from scheduled send time)";
  }
  return "closed-loop (no --rate: latency excludes queueing before send)";
}

double mib_per_second(const bench_options& options, const run_result& result) {
  return per_second(result) * static_cast<double>(options.message_size) / (1024.0 * 1024.0);
}

void print_latency_text(const run_stats& s) {
  std::printf("  latency ms  ");
  for (const auto& [name, percent] : percentiles) {
    std::printf(" %s %.3f ", name, static_cast<double>(s.latency.percentile(percent)) / 1000.0);
  }
  std::printf(" max %.3f  mean %.3f\n", static_cast<double>(s.latency.max()) / 1000.0,
              s.latency.mean() / 1000.0);
}

struct count {
  const char* label;
  std::uint64_t value;
};

// Prints `prefix` and "label N" for each count, two spaces apart (no newline).
void print_counts(const char* prefix, std::initializer_list<count> counts) {
  std::printf("%s", prefix);
  const char* separator = "";
  for (const auto& [label, value] : counts) {
    std::printf("%s%s %llu", separator, label, static_cast<unsigned long long>(value));
    separator = "  ";
  }
}

void print_errors_text(const run_stats& s) {
  print_counts("  errors       ", {{"connect", s.errors.connect},
                                   {"handshake", s.errors.handshake},
                                   {"write", s.errors.write},
                                   {"read", s.errors.read},
                                   {"timeout", s.errors.timeout},
                                   {"bad echo", s.errors.parse}});
  std::printf("\n");
}

// The --count-header tally; WebSocket mode counts WebSockets, HTTP mode responses.
void print_tally_text(const bench_options& options, const run_stats& s, std::uint64_t total) {
  if (options.count_header.empty()) {
    return;
  }
  std::printf("  %s:", options.count_header.c_str());
  for (const auto& [value, count] : s.tally) {
    const double share =
        total == 0 ? 0.0 : 100.0 * static_cast<double>(count) / static_cast<double>(total);
    std::printf("  %s %llu (%.1f%%)", value.c_str(), static_cast<unsigned long long>(count), share);
  }
  std::printf("\n");
}

void print_websocket_text(const bench_options& options, const run_result& result) {
  const run_stats& s = result.stats;
  const websocket_counts& ws = s.websockets;
  if (options.idle) {
    std::printf("quikedge-bench WebSocket idle %s\n", options.url_text.c_str());
    std::printf(
        "  load         %u WebSockets opened with no traffic, held %.2f s (%.2f s in all)\n",
        options.connections, result.hold_seconds, result.seconds);
  } else {
    std::printf("quikedge-bench WebSocket echo %s\n", options.url_text.c_str());
    std::printf(
        "  mode         closed-loop: one %llu-byte binary message in flight per WebSocket\n",
        static_cast<unsigned long long>(options.message_size));
    std::printf("  load         %u connections, %u thread%s, %.2f s measured\n",
                options.connections, options.threads, options.threads == 1 ? "" : "s",
                result.seconds);
    std::printf("  messages     %llu (%.1f msg/s, %.2f MiB/s each way)\n",
                static_cast<unsigned long long>(s.responses), per_second(result),
                mib_per_second(options, result));
  }
  std::printf(
      "  websockets   opened %llu (%llu reopened)  closed by peer %llu (%llu with 1001)"
      "  open at end %llu\n",
      static_cast<unsigned long long>(ws.opened), static_cast<unsigned long long>(s.reconnects),
      static_cast<unsigned long long>(ws.closed_by_peer),
      static_cast<unsigned long long>(ws.close_1001),
      static_cast<unsigned long long>(ws.open_at_end));
  print_errors_text(s);
  if (!options.idle) {
    print_latency_text(s);
  }
  print_tally_text(options, s, ws.opened);
  std::fflush(stdout);
}

}  // namespace

void print_text(const bench_options& options, const run_result& result) {
  if (options.mode == load_mode::websocket) {
    print_websocket_text(options, result);
    return;
  }
  const run_stats& s = result.stats;
  std::printf("quikedge-bench %s %s\n", options.method.c_str(), options.url_text.c_str());
  std::printf("  mode         %s\n", mode_text(options).c_str());
  std::printf("  load         %u connections, %u thread%s, %.2f s measured\n", options.connections,
              options.threads, options.threads == 1 ? "" : "s", result.seconds);
  std::printf("  requests     %llu (%.1f req/s)\n", static_cast<unsigned long long>(s.responses),
              per_second(result));
  print_counts("  status       ", {{"2xx", s.status_classes[2]},
                                   {"3xx", s.status_classes[3]},
                                   {"4xx", s.status_classes[4]},
                                   {"5xx", s.status_classes[5]},
                                   {"other", s.status_classes[0] + s.status_classes[1]}});
  std::printf("\n");
  print_counts("  errors       ", {{"connect", s.errors.connect},
                                   {"write", s.errors.write},
                                   {"read", s.errors.read},
                                   {"timeout", s.errors.timeout},
                                   {"parse", s.errors.parse}});
  std::printf(";  non-2xx/3xx responses %llu\n", static_cast<unsigned long long>(s.non_success()));
  std::printf("  connections  %llu opened while measuring, %llu of them reconnects\n",
              static_cast<unsigned long long>(s.connects),
              static_cast<unsigned long long>(s.reconnects));
  print_latency_text(s);
  print_tally_text(options, s, s.responses);
  std::fflush(stdout);
}

void print_json(const bench_options& options, const run_result& result) {
  const run_stats& s = result.stats;
  boost::json::object out;
  out["url"] = options.url_text;
  out["method"] = options.method;
  if (options.mode == load_mode::websocket) {
    out["mode"] = options.idle ? "websocket-idle" : "websocket";
    out["message_size"] = options.message_size;
    out["messages"] = s.responses;
    out["messages_per_second"] = per_second(result);
    out["mib_per_second"] = mib_per_second(options, result);
    out["hold_seconds"] = result.hold_seconds;
    out["websockets"] = {{"opened", s.websockets.opened},
                         {"closed_by_peer", s.websockets.closed_by_peer},
                         {"close_1001", s.websockets.close_1001},
                         {"open_at_end", s.websockets.open_at_end}};
  } else {
    out["mode"] = options.rate > 0 ? "constant-rate" : "closed-loop";
  }
  if (options.rate > 0) {
    out["rate"] = options.rate;
  }
  out["connections"] = options.connections;
  out["threads"] = options.threads;
  out["seconds"] = result.seconds;
  out["requests"] = s.responses;
  out["rps"] = per_second(result);
  if (options.mode == load_mode::http) {
    out["status"] = {{"2xx", s.status_classes[2]},
                     {"3xx", s.status_classes[3]},
                     {"4xx", s.status_classes[4]},
                     {"5xx", s.status_classes[5]},
                     {"other", s.status_classes[0] + s.status_classes[1]}};
    out["non_success"] = s.non_success();
  }
  out["errors"] = {{"connect", s.errors.connect}, {"write", s.errors.write},
                   {"read", s.errors.read},       {"timeout", s.errors.timeout},
                   {"parse", s.errors.parse},     {"handshake", s.errors.handshake},
                   {"total", s.errors.total()}};
  out["connects"] = s.connects;
  out["reconnects"] = s.reconnects;
  boost::json::object latency;
  for (const auto& [name, percent] : percentiles) {
    latency[name] = s.latency.percentile(percent);
  }
  latency["min"] = s.latency.min();
  latency["max"] = s.latency.max();
  latency["mean"] = s.latency.mean();
  out["latency_us"] = std::move(latency);
  if (!options.count_header.empty()) {
    boost::json::object values;
    for (const auto& [value, count] : s.tally) {
      values[value] = count;
    }
    out["count_header"] = {{"name", options.count_header}, {"values", std::move(values)}};
  }
  std::cout << boost::json::serialize(out) << std::endl;
}

}  // namespace quikedge::bench::load
