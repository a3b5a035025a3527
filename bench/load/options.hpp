// Command-line options of quikedge-bench.
#pragma once

#include "load/url.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quikedge::bench::load {

// What each connection does: HTTP requests (http_client), or one WebSocket upgrade and
// then echo round trips of binary messages (ws_client).
enum class load_mode { http, websocket };

struct bench_options {
  url target;
  std::string url_text;
  load_mode mode = load_mode::http;
  unsigned connections = 64;
  unsigned threads = 1;
  std::optional<std::chrono::nanoseconds> duration;
  std::optional<std::uint64_t> requests;
  std::chrono::nanoseconds warmup{0};
  std::chrono::nanoseconds timeout = std::chrono::seconds(10);
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value", as given
  std::optional<std::uint64_t> body_size;
  double rate = 0;  // requests per second over all connections; 0 = closed loop
  bool json = false;
  std::string count_header;
  // WebSocket mode: the size of each binary message, and --idle (open the WebSockets,
  // send nothing, report how many stayed open).
  std::uint64_t message_size = 64;
  bool idle = false;
  // At most this many WebSocket handshakes in progress per thread, so that opening
  // thousands does not overflow the target's accept queue.
  unsigned open_concurrency = 256;
};

// Largest --message-size: the masked message is built once in memory.
inline constexpr std::uint64_t max_message_size = std::uint64_t{64} << 20;

// Longest run allowed, with --duration or as the bound of a --requests run.
inline constexpr std::chrono::seconds max_run_time{600};

struct parsed_options {
  std::optional<bench_options> options;  // empty: exit with exit_code
  int exit_code = 0;
};

// Reads argv. On a usage error prints it and the usage text to stderr (exit code 1).
parsed_options parse_options(int argc, char** argv);

}  // namespace quikedge::bench::load
