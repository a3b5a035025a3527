// The immutable routing snapshot: stacks, endpoints, weights and a version. Built
// on the control thread, then shared read-only by every worker (RCU-style: a
// request keeps the table it started with until it finishes).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/address_set.hpp"
#include "quikedge/config.hpp"

namespace quikedge::tls {
class client_context;
}

namespace quikedge::routing {

/// Stable small integers that name stacks and endpoints across table versions,
/// so per-worker pools and counters can be plain arrays.
using stack_id = std::uint16_t;
using endpoint_id = std::uint32_t;
constexpr std::size_t max_stacks = 64;

struct endpoint_entry {
  endpoint_id id = 0;
  std::string name;  ///< "host:port" as configured
  boost::asio::ip::tcp::endpoint address;
  bool healthy = true;
  /// TLS stacks: the name sent as SNI and verified (the stack's sni, else the
  /// host when it is a name); empty: the address is verified instead.
  std::string tls_name;
};

struct stack_entry {
  stack_id id = 0;
  std::string name;
  std::uint32_t weight = 0;
  bool draining = false;
  /// When draining: the end of the window (WebSockets closed, cookies moved).
  std::chrono::steady_clock::time_point drain_until{};
  /// Set in the one table published when the drain window ended: workers close
  /// whatever tunnels of the stack are left.
  bool drain_finished = false;
  load_balancer balancer = load_balancer::round_robin;
  /// SPEC 14: the endpoints speak HTTP/2 without TLS (multiplexed connections).
  bool h2c = false;
  std::optional<outlier_detection_config> outlier_detection;
  std::vector<endpoint_entry> endpoints;
  /// TLS to the endpoints (`stacks.NAME.tls`); null: plain TCP.
  std::shared_ptr<const tls::client_context> tls;

  [[nodiscard]] bool has_healthy_endpoint() const;
};

class routing_table {
 public:
  routing_table(std::uint64_t version, std::vector<stack_entry> stacks,
                std::shared_ptr<const config> settings);

  [[nodiscard]] std::uint64_t version() const { return version_; }
  [[nodiscard]] const std::vector<stack_entry>& stacks() const { return stacks_; }
  [[nodiscard]] std::uint64_t total_weight() const { return total_weight_; }
  /// The config this table was built from: timeouts, limits, header names.
  [[nodiscard]] const config& settings() const { return *settings_; }
  [[nodiscard]] const std::shared_ptr<const config>& settings_ptr() const { return settings_; }

  /// `trusted_proxies` as a lookup set, or nullptr when it is not configured
  /// (X-Forwarded-For is then appended to as sent).
  [[nodiscard]] const net::address_set* trusted_proxies() const {
    return settings_->trusted_proxies ? &trusted_proxies_ : nullptr;
  }

  /// Index into stacks() of the stack called `name`, or -1. Case-sensitive.
  [[nodiscard]] int find_stack(std::string_view name) const;

 private:
  std::uint64_t version_;
  std::vector<stack_entry> stacks_;
  std::uint64_t total_weight_ = 0;
  std::shared_ptr<const config> settings_;
  net::address_set trusted_proxies_;
};

using routing_table_ptr = std::shared_ptr<const routing_table>;

/// Which stacks can take a request right now. The table knows active health;
/// a worker adds what it saw itself (endpoints it could not connect to). A plain
/// function pointer plus context: no allocation, callable per request.
struct stack_filter {
  bool (*usable)(const void* context, const stack_entry& stack) = nullptr;
  const void* context = nullptr;

  bool operator()(const stack_entry& stack) const {
    return usable != nullptr ? usable(context, stack) : stack.has_healthy_endpoint();
  }
};

}  // namespace quikedge::routing
