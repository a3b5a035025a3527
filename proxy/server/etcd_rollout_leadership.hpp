// Rollout leadership in a fleet sharing an etcd store: exactly one replica
// drives rollouts, elected through a key on its own lease.
//
//   PREFIX/rollout/leader  {"id","address"} on the leader's lease; whoever
//                          creates it (a txn on "absent") leads until the lease
//                          ends: killed, partitioned, or resigned at shutdown.
//   PREFIX/rollout/state   the rollout as the leader persists it (the same
//                          document as rollout.state_file); written fenced on the
//                          leader key's create_revision, so a deposed leader
//                          cannot overwrite its successor's.
//   PREFIX/counters/ID     each replica's cumulative counters per stack, on its
//                          lease, published while a rollout is active; the
//                          leader adds them up for the gates.
//
// Every beat (250 ms) a replica reads PREFIX/rollout/ and campaigns when no
// leader key is there, so a dead leader is replaced within lease_ttl plus a
// beat. A leader that cannot renew its lease for half the ttl steps down by
// itself, before etcd lets another replica in. Control thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "etcd/etcd_messages.hpp"
#include "etcd/gateway_client.hpp"
#include "quikedge/config.hpp"
#include "rollout/fleet_counters.hpp"
#include "rollout/rollout_persistence.hpp"

namespace quikedge::server {

class etcd_rollout_leadership final : public rollout::rollout_persistence,
                                      public rollout::rollout_leadership {
 public:
  struct hooks {
    std::function<void()> elected;  ///< this replica leads now
    /// Another replica leads (or none is known): show the stored rollout.
    std::function<void(const std::optional<rollout::stored_rollout>&)> follow;
    /// This replica's cumulative counters per stack, for the leader's gates.
    std::function<rollout::stack_samples()> local_counters;
  };

  /// How often a replica reads the leadership and publishes its counters.
  static constexpr std::chrono::milliseconds beat{250};

  etcd_rollout_leadership(boost::asio::io_context& io, const config& settings, hooks h);
  ~etcd_rollout_leadership() override;

  /// `admin_address`: where the others send operators' calls while this one leads.
  void start(std::string admin_address);
  /// Stops and gives up the lead at once (the lease is revoked, with it the
  /// leader key and the counters), so the next replica takes over within a
  /// beat rather than a ttl. Blocks up to a second on a private connection.
  void stop();

  // rollout_leadership
  /// Only while the lease was renewed within half its ttl: a leader frozen (or
  /// cut off) longer must not act on its next timer before its beat notices.
  [[nodiscard]] bool leading() const override {
    return leading_ && std::chrono::steady_clock::now() - renewed_at_ <= ttl_ / 2;
  }
  [[nodiscard]] std::optional<rollout::replica_ref> leader() const override { return leader_; }
  [[nodiscard]] const std::string& self_id() const override { return id_; }
  /// The leader key and the create_revision this replica's election gave it.
  [[nodiscard]] std::optional<server::commit_fence> fence() const override {
    if (!leading_) {
      return std::nullopt;
    }
    return server::commit_fence{leader_key_, fence_};
  }

  // rollout_persistence: the PREFIX/rollout/state key
  void save(const rollout::stored_rollout& stored) override;
  [[nodiscard]] std::optional<rollout::stored_rollout> load(std::string& error) override;
  [[nodiscard]] std::string describe() const override { return "etcd " + state_key_; }

  /// The other replicas' counters as last read (the leader's gates).
  [[nodiscard]] const rollout::fleet_counter_sum& fleet_counters() const { return others_; }

 private:
  void arm();
  void on_beat();
  void grant();
  void keep_alive();
  void read_rollout();
  void campaign(const std::optional<std::string>& stored);
  void became_leader(std::int64_t fence, const std::optional<std::string>& stored);
  void became_follower(std::optional<rollout::replica_ref> leader);
  void publish_counters();
  void read_counters();
  void end_beat();
  /// The document at PREFIX/rollout/state changed (or was first read).
  void take_stored(const std::optional<std::string>& text);
  [[nodiscard]] bool stored_active() const;

  boost::asio::io_context& io_;
  hooks hooks_;
  std::vector<address> members_;
  etcd::access_ptr access_;
  std::shared_ptr<etcd::gateway_client> client_;
  boost::asio::steady_timer timer_;
  std::string id_;
  std::string address_;
  std::string rollout_prefix_;  ///< PREFIX/rollout/: the leader key and the state, one read
  std::string leader_key_;
  std::string state_key_;
  std::string counters_prefix_;
  std::chrono::milliseconds ttl_;

  std::int64_t lease_ = 0;
  std::chrono::steady_clock::time_point renewed_at_;  ///< last grant or keep-alive
  std::chrono::steady_clock::time_point next_keep_alive_;
  bool leading_ = false;
  std::int64_t fence_ = 0;  ///< create_revision of our leader key while leading
  std::optional<rollout::replica_ref> leader_;
  std::optional<std::string> stored_text_;  ///< PREFIX/rollout/state as last read or written
  std::optional<rollout::stored_rollout> stored_;
  bool known_ = false;  ///< stored_text_ was read at least once
  rollout::fleet_counter_sum others_;
  bool in_beat_ = false;
  bool stopped_ = true;
};

}  // namespace quikedge::server
