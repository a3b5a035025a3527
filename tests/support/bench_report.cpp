// Stopping a quikedge-bench run and parsing its report.
#include "support/bench_report.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>

namespace quikedge::test {

boost::json::value stop_bench_for_report(child_process& bench) {
  ::kill(bench.pid(), SIGINT);
  const auto status = bench.wait_exit(deadline_in(std::chrono::seconds(15)));
  bench.wait_output_closed(deadline_in(std::chrono::seconds(5)));
  if (status != std::optional<int>(0)) {
    ADD_FAILURE() << "quikedge-bench did not exit 0\n"
                  << bench.stdout_text() << bench.stderr_text();
    return nullptr;
  }
  boost::system::error_code ec;
  auto report = boost::json::parse(bench.stdout_text(), ec);
  if (ec) {
    ADD_FAILURE() << "quikedge-bench printed no JSON report: " << bench.stdout_text();
    return nullptr;
  }
  return report;
}

}  // namespace quikedge::test
