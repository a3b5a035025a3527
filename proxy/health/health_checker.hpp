// Active HTTP health checks, on the control thread (never on a worker). Each
// endpoint of a stack with `health_check` is probed every interval; it turns
// unhealthy after unhealthy_threshold failures in a row and healthy again after
// healthy_threshold successes in a row (hysteresis, so a flapping endpoint does
// not flip faster than the thresholds allow).
#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "quikedge/config.hpp"

namespace quikedge::upstream {
class tls_session_cache;
}

namespace quikedge::health {

class health_checker {
 public:
  /// `on_change(stack, endpoint, healthy)` runs on the control thread whenever an
  /// endpoint crosses a threshold.
  using change_fn = std::function<void(const std::string&, const std::string&, bool)>;

  health_checker(boost::asio::io_context& io, change_fn on_change);
  ~health_checker();

  /// (Re)starts probes for `settings`. Endpoints that stay keep their state;
  /// new ones start healthy, as they were before anything was known.
  void configure(const config& settings);
  void stop();

  /// Current verdicts, keyed "stack\nendpoint".
  [[nodiscard]] std::map<std::string, bool> verdicts() const;

 private:
  struct probe;

  boost::asio::io_context& io_;
  change_fn on_change_;
  std::map<std::string, std::shared_ptr<probe>> probes_;
  /// TLS sessions of the probes (one slot each), resumed by the next probe.
  /// Shared with the probes, which may outlive this object in late handlers.
  std::shared_ptr<upstream::tls_session_cache> sessions_;
};

}  // namespace quikedge::health
