// Parsing and usage text of quikedge-upstream's command line.
#include "upstream/options.hpp"

#include "common/args.hpp"
#include "common/host_port.hpp"

#include <iostream>

namespace quikedge::bench::upstream {
namespace {

constexpr std::string_view usage_text =
    R"(usage: quikedge-upstream [options]
A fast HTTP/1.1 test and benchmark upstream.

  --listen HOST:PORT          address to listen on (default 127.0.0.1:0; port 0 picks a free
                              port). The first stdout line is always "listening on HOST:PORT".
  --threads N                 worker threads, each with its own SO_REUSEPORT listener (default 1)
  --name NAME                 adds "X-Upstream: NAME" to every response; default body is NAME\n
  --body-size N               default body is N pattern bytes instead (k/M/G suffixes allowed)
  --health-file PATH          /health answers 200 while PATH exists, 503 otherwise
  --idle-timeout MS           close keep-alive connections idle for MS milliseconds (0 = never)
  --max-requests-per-conn N   answer the Nth request with Connection: close, then close (0 = no limit)

Paths (also matched as the tail of a longer path, e.g. /blue/status/503):
  /status/NNN        answer status NNN (200-599) with the default body
  /delay/MS          answer after MS milliseconds
  /echo              stream the request body back (Content-Length or chunked, as received)
  /chunked?n=K&size=S  K chunks of S bytes (defaults 4 and 16)
  /bytes/N           N pattern bytes: byte i is alphabet[i % 64], alphabet = A-Za-z0-9-_
  /close             answer with Connection: close, then close
  /headers           the request's header lines as received, one per line
  /health            200 "ok" (or 503 "unhealthy" when --health-file is missing)
  /conn              this connection's serial number on this upstream
  /stats             {"connections_accepted":N,"requests":M,"websockets":W} (W open now)
  /ws                WebSocket echo (RFC 6455): the 101 carries X-Upstream; every data frame
                     comes back with its opcode, FIN bit and length, streamed; ping gets pong;
                     a close gets a close with the same code, then the server closes TCP
  anything else      200 with the default body
)";

parsed_options usage_error(std::string_view message) {
  std::cerr << "quikedge-upstream: " << message << "\n\n" << usage_text;
  return {std::nullopt, 1};
}

}  // namespace

parsed_options parse_options(int argc, char** argv) {
  upstream_options options;
  arg_reader args(argc, argv);
  while (args.next()) {
    if (args.help_requested(usage_text)) {
      return {std::nullopt, 0};
    }
    const std::string_view flag = args.flag();
    const auto value = args.value();
    if (!value) {
      return usage_error(std::string(flag) + " needs a value");
    }
    std::uint64_t number = 0;
    if (flag == "--listen") {
      if (!split_host_port(*value, options.listen_host, options.listen_port)) {
        return usage_error("--listen wants HOST:PORT");
      }
    } else if (flag == "--threads") {
      if (!parse_u64(*value, number) || number == 0 || number > 256) {
        return usage_error("--threads wants 1..256");
      }
      options.threads = static_cast<unsigned>(number);
    } else if (flag == "--name") {
      options.name = std::string(*value);
      // The name goes into a header: control characters would break the response.
      for (char c : options.name) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          return usage_error("--name must be printable");
        }
      }
    } else if (flag == "--body-size") {
      if (!parse_size(*value, number)) {
        return usage_error("--body-size wants a byte count");
      }
      options.body_size = number;
    } else if (flag == "--health-file") {
      options.health_file = std::string(*value);
    } else if (flag == "--idle-timeout") {
      if (!parse_u64(*value, number) || number > 86'400'000) {
        return usage_error("--idle-timeout wants milliseconds");
      }
      options.idle_timeout = std::chrono::milliseconds(number);
    } else if (flag == "--max-requests-per-conn") {
      if (!parse_u64(*value, number)) {
        return usage_error("--max-requests-per-conn wants a count");
      }
      options.max_requests_per_conn = number;
    } else {
      return usage_error("unknown option " + std::string(flag));
    }
  }
  return {options, 0};
}

}  // namespace quikedge::bench::upstream
