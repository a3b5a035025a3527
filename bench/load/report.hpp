// The results of a run, printed for people or as one JSON object for scripts.
#pragma once

#include "load/options.hpp"
#include "load/run_stats.hpp"

namespace quikedge::bench::load {

struct run_result {
  run_stats stats;          // merged over all workers
  double seconds = 0;       // measured time: warm-up excluded
  double hold_seconds = 0;  // --idle: how long the WebSockets were held once all were open
};

void print_text(const bench_options& options, const run_result& result);
void print_json(const bench_options& options, const run_result& result);

}  // namespace quikedge::bench::load
