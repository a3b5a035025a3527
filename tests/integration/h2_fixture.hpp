// Base fixture of the HTTP/2 tests: blue and green upstreams, a proxy whose
// listener has `http2: true`, and the two clients that drive it: curl (h2 by
// ALPN, h2c with prior knowledge) and tests/integration/h2_client.py
// (python3-h2: many streams on one connection, big bodies, broken frames).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "support/two_stacks.hpp"

namespace quikedge::test {

class h2_fixture : public two_stacks {
 protected:
  /// Starts upstreams and the proxy with the listener serving HTTP/2.
  testing::AssertionResult start_h2(int blue, int green, proxy_config config = {}) {
    config.listener_extra = "    http2: true\n" + config.listener_extra;
    return start(blue, green, config);
  }

  /// Runs h2_client.py `mode` against the proxy's port; its JSON output.
  boost::json::object h2_client(const std::string& mode, std::vector<std::string> args,
                                std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     source_path("tests/integration/h2_client.py"), mode, "--port",
                                     std::to_string(port())};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = run_command(argv, timeout);
    boost::system::error_code ec;
    auto value = boost::json::parse(result.out, ec);
    if (result.exit_status != 0 || ec || !value.is_object()) {
      ADD_FAILURE() << "h2_client.py " << mode << " exited " << result.exit_status << "\n"
                    << result.out << result.err;
      return {};
    }
    return value.as_object();
  }

  /// curl with `args`; stdout (-w output included).
  command_result curl(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-s", "--max-time", "10"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, std::chrono::seconds(15));
  }

  static std::int64_t number(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_int64() ? v->as_int64() : -1;
  }
  static std::int64_t count_in(const boost::json::object& o, std::string_view map,
                               std::string_view key) {
    const auto* m = o.if_contains(map);
    if (m == nullptr || !m->is_object()) {
      return -1;
    }
    const auto* v = m->as_object().if_contains(key);
    return v != nullptr && v->is_int64() ? v->as_int64() : 0;
  }
};

}  // namespace quikedge::test
