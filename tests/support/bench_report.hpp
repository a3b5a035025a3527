// quikedge-bench driven by a test: end a run early and read what it measured.
#pragma once

#include <boost/json/value.hpp>

#include "support/child_process.hpp"

namespace quikedge::test {

/// Ends a running quikedge-bench (SIGINT: it stops and prints its JSON report)
/// and returns the parsed report; null, with a test failure, when the bench did
/// not exit 0 or printed no JSON.
boost::json::value stop_bench_for_report(child_process& bench);

}  // namespace quikedge::test
