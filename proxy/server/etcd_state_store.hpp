// The etcd backend of the state store, for a fleet of replicas: the routing
// state is one JSON document under PREFIX/state, every change a transaction
// that compares its mod_revision (a CAS, so If-Match and concurrent changes
// through other replicas cannot lose each other), and a watch on the key
// applies what other replicas commit. Each replica registers itself under
// PREFIX/replicas/ID (etcd_replica_registry). Control thread only, on the
// control io_context; load() alone runs before it, on a private one.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "etcd/etcd_messages.hpp"
#include "etcd/gateway_client.hpp"
#include "etcd/watch_stream.hpp"
#include "quikedge/config.hpp"
#include "server/etcd_replica_registry.hpp"
#include "server/state_store.hpp"

namespace quikedge::server {

class etcd_state_store final : public state_store {
 public:
  /// A change is answered within this, confirmed or 503 (the admin API promises 5 s, less
  /// the time to publish the table and write the answer).
  static constexpr std::chrono::milliseconds commit_deadline{4750};
  /// load() gives up (and the process does not start) after this.
  static constexpr std::chrono::milliseconds load_deadline{30000};

  etcd_state_store(boost::asio::io_context& io, const config& settings);
  ~etcd_state_store() override;

  [[nodiscard]] std::string_view backend() const override { return "etcd"; }
  /// Blocks until the stored state is read (or, with nothing stored, the
  /// config file's weights are stored as the first state), logging while no
  /// member answers. Throws std::runtime_error after load_deadline: a replica
  /// that cannot learn the fleet's weights must not route by its own.
  [[nodiscard]] load_result load() override;
  /// A state newer than the stored one (the config file's weights changed
  /// since it was written: last change wins) is published to the fleet.
  void adopt(const live_state& state) override;
  void commit(live_state next, std::optional<std::uint64_t> expected_version,
              const change_record& change, commit_fn done) override;
  [[nodiscard]] std::uint64_t version() const override { return version_; }
  [[nodiscard]] bool available() const override { return up_; }
  [[nodiscard]] std::vector<replica_info> replicas() const override { return registry_.replicas(); }
  void refresh_replicas(std::function<void(bool listed)> done) override {
    registry_.refresh(std::move(done));
  }

  /// Opens the watch and the registration (`admin_address`: as bound); after
  /// load(), once.
  void start(const std::string& admin_address);
  void stop();

  /// "etcd PREFIX/state", for the start-up log.
  [[nodiscard]] std::string describe() const;

 private:
  struct pending_commit;

  void run_front();
  /// If-Match differs from the version applied here: read what is stored.
  void check_expected(const std::shared_ptr<pending_commit>& call);
  /// One gateway call for `call`: 503 instead once its deadline passed;
  /// `on_answer` runs only while the change is still unanswered.
  void call_for(const std::shared_ptr<pending_commit>& call, std::string path, std::string body,
                etcd::gateway_client::reply_fn on_answer);
  void send_txn(const std::shared_ptr<pending_commit>& call);
  void verify(const std::shared_ptr<pending_commit>& call);
  /// The stored state is not what `call` was based on: rebase or 409.
  void conflict(const std::shared_ptr<pending_commit>& call,
                const std::optional<etcd::key_value>& current);
  void succeed(const std::shared_ptr<pending_commit>& call, std::int64_t revision);
  void fail(const std::shared_ptr<pending_commit>& call, int status, const std::string& error,
            bool fenced_out = false);
  void retry_later(const std::shared_ptr<pending_commit>& call, bool txn,
                   std::chrono::milliseconds delay);

  void open_watch();
  void on_watch_message(const etcd::watch_message& message);
  void on_watch_broken(const std::string& why);
  /// After a compaction the events in between are gone: read the key anew.
  void reread();
  /// A state stored by someone else: applied now, or after the local commit in flight.
  void take_remote(const etcd::key_value& kv);
  void apply_remote(const etcd::key_value& kv);
  void flush_held();
  /// Every check_period: reads the key. A revision the watch has not brought
  /// for a whole period (another replica's change, or this one's own) means
  /// the watch is stuck on a member that accepts but does not answer: the read
  /// applies it and the watch moves to the next member.
  void arm_check();
  void check_fresh();
  void set_up(bool up, const std::string& why);

  boost::asio::io_context& io_;
  std::vector<address> members_;
  etcd::access_ptr access_;  ///< TLS and tokens, shared by the clients, the watch and the registry
  std::string key_;
  std::string prefix_;
  std::shared_ptr<etcd::gateway_client> client_;  ///< commits: one call at a time, in order
  /// Re-reads and the freshness check, so that a read waiting on a member
  /// never holds a commit up behind it.
  std::shared_ptr<etcd::gateway_client> read_client_;
  std::shared_ptr<etcd::watch_stream> watch_;
  std::size_t watch_member_ = 0;
  boost::asio::steady_timer watch_retry_;
  boost::asio::steady_timer check_timer_;
  std::int64_t read_revision_ =
      0;  ///< store revision of the last full read (watch resumes after it)
  std::int64_t watched_revision_ = 0;  ///< the watch brought (or starts after) this one
  std::int64_t suspect_revision_ =
      0;  ///< stored but not yet brought by the watch at the last check
  etcd_replica_registry registry_;
  live_state first_state_;  ///< stored when the key does not exist yet

  std::uint64_t version_ = 1;
  std::int64_t applied_revision_ = 0;  ///< mod_revision of the state applied last
  weight_map applied_weights_;
  bool up_ = false;
  bool loaded_ = false;  ///< load() read the store
  bool started_ = false;
  bool stopped_ = false;
  std::deque<std::shared_ptr<pending_commit>> queue_;  ///< front: in flight
  std::optional<etcd::key_value> held_;                ///< newest remote state not yet applied
};

}  // namespace quikedge::server
