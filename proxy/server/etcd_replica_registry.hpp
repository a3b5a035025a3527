// This replica's registration in a fleet sharing an etcd store:
// PREFIX/replicas/ID = {"address","applied_version","started_at"} on a lease of
// lease_ttl, kept alive every ttl/3, granted and put anew when the lease is
// lost (etcd down longer than the ttl, or the lease expired). On the same beat
// it reads every registration, for GET /api/v1/fleet and the replica gauge;
// refresh() reads them at once, for `?wait=fleet`.
// Control thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "etcd/gateway_client.hpp"
#include "quikedge/config.hpp"
#include "server/state_store.hpp"

namespace quikedge::server {

class etcd_replica_registry {
 public:
  /// `reachable` hears whether the last call found a member that answers.
  using reachability_fn = std::function<void(bool up, const std::string& why)>;

  etcd_replica_registry(boost::asio::io_context& io, const config& settings,
                        etcd::access_ptr access, reachability_fn reachable);

  /// `address`: this replica's admin address as bound.
  void start(std::uint64_t applied_version, std::string address);
  void stop();
  /// Republishes the record with `version` as applied, at once (not on the
  /// next beat): `?wait=fleet` on another replica is waiting for it.
  void applied(std::uint64_t version);
  /// Lists every registration now, off the beat; `done(listed)` runs once
  /// replicas() holds the answer (false: no member answered, or stopped).
  /// Calls made while a listing is in flight share its answer.
  void refresh(std::function<void(bool listed)> done);

  [[nodiscard]] std::vector<replica_info> replicas() const { return replicas_; }

 private:
  void tick();
  void grant();
  void put_record();
  /// `done` set: a refresh(), which leaves the beat's timer alone.
  void list(std::function<void(bool listed)> done = {});
  void arm(std::chrono::milliseconds after);

  std::shared_ptr<etcd::gateway_client> client_;
  boost::asio::steady_timer timer_;
  std::string prefix_;  ///< PREFIX/replicas/
  std::string id_;
  std::string address_;
  std::chrono::milliseconds ttl_;
  reachability_fn reachable_;
  std::chrono::system_clock::time_point started_at_ = std::chrono::system_clock::now();
  std::uint64_t applied_version_ = 0;
  std::int64_t lease_ = 0;  ///< 0: none granted (or lost)
  bool stopped_ = true;
  std::vector<replica_info> replicas_;
  /// The last put of the record failed: the next beat puts it again, or the
  /// fleet would see this replica's applied version stale until the lease goes.
  bool record_stale_ = false;
  std::vector<std::function<void(bool listed)>> refreshing_;  ///< waiting on the listing in flight
};

}  // namespace quikedge::server
