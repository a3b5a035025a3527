// Command-line options of quikedge-upstream.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace quikedge::bench::upstream {

struct upstream_options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  unsigned threads = 1;
  std::string name;                        // X-Upstream header and default body
  std::optional<std::uint64_t> body_size;  // fixed pattern body instead of the name
  std::string health_file;                 // /health is 200 only while this exists
  std::chrono::milliseconds idle_timeout{0};
  std::uint64_t max_requests_per_conn = 0;
};

struct parsed_options {
  std::optional<upstream_options> options;  // empty: exit with exit_code
  int exit_code = 0;
};

// Reads argv. On a usage error prints it and the usage text to stderr (exit code 1);
// --help prints the usage to stdout (exit code 0).
parsed_options parse_options(int argc, char** argv);

}  // namespace quikedge::bench::upstream
