// quikedge-upstream: a fast, scriptable HTTP/1.1 upstream for tests and benchmarks.
#include "common/fd_limit.hpp"
#include "upstream/options.hpp"
#include "upstream/server.hpp"
#include "upstream/upstream_context.hpp"

#include <cstdio>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  using namespace quikedge::bench::upstream;
  parsed_options parsed = parse_options(argc, argv);
  if (!parsed.options) {
    return parsed.exit_code;
  }
  quikedge::bench::raise_fd_limit();
  try {
    upstream_context context(std::move(*parsed.options));
    server srv(context);
    const auto endpoint = srv.bind();
    // The first stdout line, flushed at once: tests that pass port 0 read the port here.
    const std::string address = endpoint.address().to_string();
    const char* format =
        endpoint.address().is_v6() ? "listening on [%s]:%u\n" : "listening on %s:%u\n";
    std::printf(format, address.c_str(), static_cast<unsigned>(endpoint.port()));
    std::fflush(stdout);
    srv.run();
  } catch (const std::exception& e) {
    std::cerr << "quikedge-upstream: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
