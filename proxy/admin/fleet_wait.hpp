// `?wait=fleet` on a change (SPEC 10): the change's own answer is held until
// every replica registered alive in the shared state store reports its
// version applied, the registrations read anew every poll_period (a timer on
// the control io_context, never a blocking wait); when the call's budget runs
// out first it answers 504 naming the replicas that lag. The change itself
// stands either way. With a store of one machine the answer goes out at once.
// Control thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "admin/admin_types.hpp"
#include "server/control_plane.hpp"

namespace quikedge::admin {

/// What a change call's `wait` query parameter asks for.
enum class wait_for {
  self,   ///< absent: answer once this replica applied the change
  fleet,  ///< "fleet": once every live replica did
};

/// `wait` in `target`'s query. An unknown value is nullopt with `error` set:
/// the call is refused (400) before it changes anything.
std::optional<wait_for> parse_wait(std::string_view target, std::string& error);

class fleet_wait : public std::enable_shared_from_this<fleet_wait> {
 public:
  /// The whole call answers within this of its arrival, the commit included:
  /// every change answers within 5 s (SPEC 10), and this is no exception.
  static constexpr std::chrono::milliseconds budget{5000};
  /// Between two listings of the registrations: 5 ms after the first, then
  /// doubling up to 20 ms. A range read on loopback takes about a millisecond,
  /// the others' puts of their applied version a few (an fsync'd raft write),
  /// so most waits end on the second or third listing.
  static constexpr std::chrono::milliseconds first_poll_delay{5};
  static constexpr std::chrono::milliseconds poll_period{20};

  /// Wraps `respond` for a change that arrived at `arrived`: a success (2xx)
  /// is held until the fleet applied the version this replica is at by then
  /// (the change's, or a newer one), errors go out as they are. `req` and
  /// `control` must outlive the answer (`respond` keeps the session alive).
  static respond_fn hold(boost::asio::io_context& io, server::control_plane& control,
                         const request& req, std::chrono::steady_clock::time_point arrived,
                         respond_fn respond);

  fleet_wait(boost::asio::io_context& io, server::state_store& store, const request& req,
             std::uint64_t version, response success, respond_fn respond);

 private:
  void start(std::chrono::steady_clock::time_point deadline);
  void poll();
  void on_listing(bool listed);
  /// True (and answered) when no live replica is below version_.
  bool settled();
  void time_out();

  server::state_store& store_;
  const request& req_;
  std::uint64_t version_;
  response success_;
  respond_fn respond_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer deadline_timer_;
  std::chrono::milliseconds poll_delay_ = first_poll_delay;
  bool listed_ = false;  ///< a listing read since the wait began
  bool answered_ = false;
};

}  // namespace quikedge::admin
