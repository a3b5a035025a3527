// Text and JSON reports of quikedge-bench.
#include "load/report.hpp"

#include <boost/json.hpp>

#include <cstdio>
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

}  // namespace

void print_text(const bench_options& options, const run_result& result) {
  const run_stats& s = result.stats;
  std::printf("quikedge-bench %s %s\n", options.method.c_str(), options.url_text.c_str());
  std::printf("  mode         %s\n", mode_text(options).c_str());
  std::printf("  load         %u connections, %u thread%s, %.2f s measured\n", options.connections,
              options.threads, options.threads == 1 ? "" : "s", result.seconds);
  std::printf("  requests     %llu (%.1f req/s)\n", static_cast<unsigned long long>(s.responses),
              per_second(result));
  std::printf("  status       2xx %llu  3xx %llu  4xx %llu  5xx %llu  other %llu\n",
              static_cast<unsigned long long>(s.status_classes[2]),
              static_cast<unsigned long long>(s.status_classes[3]),
              static_cast<unsigned long long>(s.status_classes[4]),
              static_cast<unsigned long long>(s.status_classes[5]),
              static_cast<unsigned long long>(s.status_classes[0] + s.status_classes[1]));
  std::printf(
      "  errors       connect %llu  write %llu  read %llu  timeout %llu  parse %llu;"
      "  non-2xx/3xx responses %llu\n",
      static_cast<unsigned long long>(s.errors.connect),
      static_cast<unsigned long long>(s.errors.write),
      static_cast<unsigned long long>(s.errors.read),
      static_cast<unsigned long long>(s.errors.timeout),
      static_cast<unsigned long long>(s.errors.parse),
      static_cast<unsigned long long>(s.non_success()));
  std::printf("  connections  %llu opened while measuring, %llu of them reconnects\n",
              static_cast<unsigned long long>(s.connects),
              static_cast<unsigned long long>(s.reconnects));
  std::printf("  latency ms  ");
  for (const auto& [name, percent] : percentiles) {
    std::printf(" %s %.3f ", name, static_cast<double>(s.latency.percentile(percent)) / 1000.0);
  }
  std::printf(" max %.3f  mean %.3f\n", static_cast<double>(s.latency.max()) / 1000.0,
              s.latency.mean() / 1000.0);
  if (!options.count_header.empty()) {
    std::printf("  %s:", options.count_header.c_str());
    for (const auto& [value, count] : s.tally) {
      const double share =
          s.responses == 0 ? 0.0
                           : 100.0 * static_cast<double>(count) / static_cast<double>(s.responses);
      std::printf("  %s %llu (%.1f%%)", value.c_str(), static_cast<unsigned long long>(count),
                  share);
    }
    std::printf("\n");
  }
  std::fflush(stdout);
}

void print_json(const bench_options& options, const run_result& result) {
  const run_stats& s = result.stats;
  boost::json::object out;
  out["url"] = options.url_text;
  out["method"] = options.method;
  out["mode"] = options.rate > 0 ? "constant-rate" : "closed-loop";
  if (options.rate > 0) {
    out["rate"] = options.rate;
  }
  out["connections"] = options.connections;
  out["threads"] = options.threads;
  out["seconds"] = result.seconds;
  out["requests"] = s.responses;
  out["rps"] = per_second(result);
  out["status"] = {{"2xx", s.status_classes[2]},
                   {"3xx", s.status_classes[3]},
                   {"4xx", s.status_classes[4]},
                   {"5xx", s.status_classes[5]},
                   {"other", s.status_classes[0] + s.status_classes[1]}};
  out["non_success"] = s.non_success();
  out["errors"] = {{"connect", s.errors.connect}, {"write", s.errors.write},
                   {"read", s.errors.read},       {"timeout", s.errors.timeout},
                   {"parse", s.errors.parse},     {"total", s.errors.total()}};
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
