// quikedge-bench: bounded HTTP/1.1 keep-alive or WebSocket echo load with latency
// percentiles.
#include "common/fd_limit.hpp"
#include "load/options.hpp"
#include "load/report.hpp"
#include "load/request_template.hpp"
#include "load/worker.hpp"
#include "load/ws_template.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <iostream>
#include <optional>
#include <thread>

namespace {

using namespace quikedge::bench::load;
namespace asio = boost::asio;

// Resolved once, before the run: name lookups must not be part of what is measured.
bool resolve(const bench_options& options, asio::ip::tcp::endpoint& out) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto results =
      resolver.resolve(options.target.host, std::to_string(options.target.port), ec);
  if (ec || results.empty()) {
    std::cerr << "quikedge-bench: cannot resolve " << options.target.host << ": " << ec.message()
              << "\n";
    return false;
  }
  out = results.begin()->endpoint();
  return true;
}

// Splits connections and the --requests budget evenly over the threads.
std::vector<worker_share> plan_shares(const bench_options& options) {
  std::vector<worker_share> shares(options.threads);
  unsigned next_connection = 0;
  for (unsigned i = 0; i < options.threads; ++i) {
    worker_share& share = shares[i];
    share.first_connection = next_connection;
    share.connections =
        options.connections / options.threads + (i < options.connections % options.threads ? 1 : 0);
    next_connection += share.connections;
    if (options.requests) {
      share.requests =
          *options.requests / options.threads + (i < *options.requests % options.threads ? 1 : 0);
    }
  }
  return shares;
}

}  // namespace

int main(int argc, char** argv) {
  parsed_options parsed = parse_options(argc, argv);
  if (!parsed.options) {
    return parsed.exit_code;
  }
  const bench_options& options = *parsed.options;
  std::signal(SIGPIPE, SIG_IGN);
  quikedge::bench::raise_fd_limit();

  run_plan plan;
  if (!resolve(options, plan.endpoint)) {
    return 2;
  }
  const request_template request(options);
  std::optional<ws_template> websocket;
  if (options.mode == load_mode::websocket) {
    websocket.emplace(options);
    plan.websocket = &*websocket;
  }
  plan.options = &options;
  plan.request = &request;
  plan.start = clock::now();
  if (options.idle) {
    // Measured from the start; the hold's own --duration begins once all are open.
    plan.measure_start = plan.start;
    plan.deadline = plan.start + max_run_time;
  } else {
    plan.measure_start = plan.start + options.warmup;
    plan.deadline = plan.measure_start + options.duration.value_or(max_run_time);
  }

  std::vector<std::unique_ptr<worker>> workers;
  for (const worker_share& share : plan_shares(options)) {
    workers.push_back(std::make_unique<worker>(plan, share));
  }
  {
    // SIGINT or SIGTERM ends the run early; what was measured until then is reported.
    asio::io_context signal_io(1);
    asio::signal_set signals(signal_io, SIGINT, SIGTERM);
    signals.async_wait([&workers](const boost::system::error_code& ec, int) {
      if (!ec) {
        for (auto& w : workers) {
          w->end_early();
        }
      }
    });
    std::jthread signal_thread([&signal_io] { signal_io.run(); });
    {
      std::vector<std::jthread> threads;
      for (std::size_t i = 1; i < workers.size(); ++i) {
        threads.emplace_back([w = workers[i].get()] { w->run(); });
      }
      workers[0]->run();
    }
    signals.cancel();
    signal_io.stop();
  }

  run_result result;
  clock::time_point finished = plan.measure_start;
  for (const auto& w : workers) {
    result.stats.merge(w->stats());
    finished = std::max(finished, w->finished());
  }
  result.seconds = std::chrono::duration<double>(finished - plan.measure_start).count();
  if (options.idle && workers[0]->hold_started() != clock::time_point{}) {
    result.hold_seconds =
        std::chrono::duration<double>(finished - workers[0]->hold_started()).count();
  }
  if (options.json) {
    print_json(options, result);
  } else {
    print_text(options, result);
  }
  if (options.mode == load_mode::websocket) {
    const bool worked =
        options.idle ? result.stats.websockets.opened > 0 : result.stats.responses > 0;
    return worked ? 0 : 2;
  }
  return result.stats.succeeded() == 0 ? 2 : 0;
}
