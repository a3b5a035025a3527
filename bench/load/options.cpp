// Parsing and usage text of quikedge-bench's command line.
#include "load/options.hpp"

#include "common/args.hpp"
#include "common/http_text.hpp"

#include <algorithm>
#include <iostream>

namespace quikedge::bench::load {
namespace {

constexpr std::string_view usage_text =
    R"(usage: quikedge-bench --url http://HOST:PORT/path (--duration SEC | --requests N) [options]
       quikedge-bench --websocket --url http://HOST:PORT/ws (--duration SEC | --requests N) [options]
HTTP/1.1 keep-alive or WebSocket echo load generator: one request (message) in flight per
connection.

  --url URL              target (plain http only)
  --duration SEC         run time after warm-up: 10, 10s, 500ms, 2m (at most 600 s)
  --requests N           stop after N requests (counted after warm-up; at most 600 s)
  --connections N        concurrent connections (default 64)
  --threads T            threads, each with its own io_context and share of connections (default 1)
  --rate R               constant throughput: R requests/s over all connections, latency
                         measured from each request's scheduled send time (no coordinated
                         omission). Without it the run is closed-loop.
  --warmup SEC           run this long before measuring (default 0)
  --timeout SEC          a request slower than this counts as a timeout (default 10)
  --method M             request method (default GET)
  --header 'K: V'        extra request header (repeatable)
  --body-size N          send a body of N pattern bytes with Content-Length (k/M/G allowed)
  --count-header NAME    tally responses by the value of this response header
  --json                 print the results as one JSON object

WebSocket mode (the target must echo, as quikedge-upstream's /ws does):
  --websocket            each connection upgrades once (GET with Upgrade: websocket; --header
                         lines go into that request), then sends a binary message, waits for
                         its echo (checked byte for byte) and repeats. --requests counts
                         messages. Reports messages/s and echo latency percentiles; a WebSocket
                         that fails is counted and opened again.
  --message-size N       bytes per message (default 64, k/M allowed, at most 64M)
  --idle                 open --connections WebSockets (one thread), send nothing, hold them
                         for --duration once all are open and report how many stayed open.
                         Prints "quikedge-bench: idle: N of M WebSockets open" on stderr when
                         the opening phase is over (for scripts that measure memory then).
  --open-concurrency N   handshakes in progress at once per thread (default 256)

SIGINT or SIGTERM ends a run early and reports what was measured until then.

Exit status: 0 ran, 1 usage error, 2 no request succeeded (2xx/3xx), no message was
echoed (--websocket) or no WebSocket opened (--idle).
)";

parsed_options usage_error(std::string_view message) {
  std::cerr << "quikedge-bench: " << message << "\n\n" << usage_text;
  return {std::nullopt, 1};
}

bool valid_header(std::string_view header) {
  std::string_view name;
  std::string_view value;
  return split_header(header, name, value) &&
         header.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

parsed_options parse_options(int argc, char** argv) {
  bench_options options;
  bool have_url = false;
  arg_reader args(argc, argv);
  while (args.next()) {
    if (args.help_requested(usage_text)) {
      return {std::nullopt, 0};
    }
    const std::string_view flag = args.flag();
    if (flag == "--json") {
      options.json = true;
      continue;
    }
    if (flag == "--websocket") {
      options.mode = load_mode::websocket;
      continue;
    }
    if (flag == "--idle") {
      options.idle = true;
      continue;
    }
    const auto value = args.value();
    if (!value) {
      return usage_error(std::string(flag) + " needs a value");
    }
    std::uint64_t number = 0;
    std::chrono::nanoseconds time{};
    if (flag == "--url") {
      std::string error;
      if (!parse_url(*value, options.target, error)) {
        return usage_error(error);
      }
      options.url_text = std::string(*value);
      have_url = true;
    } else if (flag == "--connections" || flag == "-c") {
      if (!parse_u64(*value, number) || number == 0 || number > 100'000) {
        return usage_error("--connections wants 1..100000");
      }
      options.connections = static_cast<unsigned>(number);
    } else if (flag == "--threads" || flag == "-t") {
      if (!parse_u64(*value, number) || number == 0 || number > 256) {
        return usage_error("--threads wants 1..256");
      }
      options.threads = static_cast<unsigned>(number);
    } else if (flag == "--duration" || flag == "-d") {
      if (!parse_duration(*value, time) || time.count() == 0) {
        return usage_error("--duration wants a positive time");
      }
      if (time > max_run_time) {
        std::cerr << "quikedge-bench: --duration capped at 600 s\n";
        time = max_run_time;
      }
      options.duration = time;
    } else if (flag == "--requests" || flag == "-n") {
      if (!parse_u64(*value, number) || number == 0) {
        return usage_error("--requests wants a positive count");
      }
      options.requests = number;
    } else if (flag == "--warmup") {
      if (!parse_duration(*value, time) || time > max_run_time) {
        return usage_error("--warmup wants a time up to 600 s");
      }
      options.warmup = time;
    } else if (flag == "--timeout") {
      if (!parse_duration(*value, time) || time.count() == 0) {
        return usage_error("--timeout wants a positive time");
      }
      options.timeout = time;
    } else if (flag == "--method") {
      options.method = std::string(*value);
      if (options.method.empty() || options.method.find_first_of(" \r\n") != std::string::npos) {
        return usage_error("--method wants a token");
      }
    } else if (flag == "--header" || flag == "-H") {
      if (!valid_header(*value)) {
        return usage_error("--header wants 'Name: value'");
      }
      options.headers.emplace_back(*value);
    } else if (flag == "--body-size") {
      if (!parse_size(*value, number)) {
        return usage_error("--body-size wants a byte count");
      }
      options.body_size = number;
    } else if (flag == "--rate") {
      if (!parse_double(*value, options.rate) || options.rate <= 0 || options.rate > 1e8) {
        return usage_error("--rate wants requests per second");
      }
    } else if (flag == "--message-size") {
      if (!parse_size(*value, number) || number > max_message_size) {
        return usage_error("--message-size wants a byte count up to 64M");
      }
      options.message_size = number;
    } else if (flag == "--open-concurrency") {
      if (!parse_u64(*value, number) || number == 0 || number > 100'000) {
        return usage_error("--open-concurrency wants 1..100000");
      }
      options.open_concurrency = static_cast<unsigned>(number);
    } else if (flag == "--count-header") {
      options.count_header = std::string(*value);
    } else {
      return usage_error("unknown option " + std::string(flag));
    }
  }
  if (!have_url) {
    return usage_error("--url is required");
  }
  if (!options.duration && !options.requests) {
    return usage_error("one of --duration or --requests is required (the run must be bounded)");
  }
  if (options.mode == load_mode::websocket) {
    if (options.rate > 0) {
      return usage_error("--rate is for HTTP mode; WebSocket mode is closed-loop");
    }
    if (options.body_size || options.method != "GET") {
      return usage_error("--body-size and --method are for HTTP mode (see --message-size)");
    }
    if (options.idle) {
      if (!options.duration) {
        return usage_error("--idle wants --duration (how long to hold the WebSockets)");
      }
      // One thread: it alone knows when every WebSocket is open and the hold begins.
      options.threads = 1;
    }
  } else if (options.idle) {
    return usage_error("--idle needs --websocket");
  }
  // A thread without a connection would have nothing to do.
  options.threads = std::min(options.threads, options.connections);
  return {options, 0};
}

}  // namespace quikedge::bench::load
