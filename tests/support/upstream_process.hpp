// A quikedge-upstream child on 127.0.0.1 and a port the kernel picked.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/http_client.hpp"

namespace quikedge::test {

/// What the upstream's /stats says, minus the helper's own stats connection and queries.
struct upstream_stats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t requests = 0;
};

class upstream_process {
 public:
  /// `name` goes into X-Upstream and the default body; `extra_args` are more flags
  /// (e.g. {"--idle-timeout", "100"}).
  explicit upstream_process(std::string name, std::vector<std::string> extra_args = {});
  ~upstream_process();

  /// Starts the child and waits for "listening on 127.0.0.1:PORT".
  testing::AssertionResult start();
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  /// "127.0.0.1:PORT", as a config endpoint.
  [[nodiscard]] std::string address() const;

  /// Asks /stats over the helper's own keep-alive connection (reopened when the
  /// upstream closed it) and subtracts that connection and those queries.
  testing::AssertionResult stats(upstream_stats& out);

  child_process& process() { return *child_; }

 private:
  std::string name_;
  std::vector<std::string> extra_args_;
  std::unique_ptr<child_process> child_;
  std::uint16_t port_ = 0;
  http_client stats_client_;
  std::uint64_t own_connections_ = 0;
  std::uint64_t own_requests_ = 0;
};

/// Parses the port out of a "...127.0.0.1:PORT" line; 0 when there is none.
std::uint16_t port_from_line(const std::string& line);

}  // namespace quikedge::test
