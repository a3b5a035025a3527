// etcd store: the watch on PREFIX/state that applies every change committed
// through another replica, resumed on the next member from the last applied
// revision + 1 when it breaks, and a full re-read after a compaction. Control
// thread.
#include "server/etcd_failure.hpp"
#include "server/etcd_state_store.hpp"
#include "server/weight_rules.hpp"
#include "util/log.hpp"

namespace quikedge::server {
namespace {

constexpr std::chrono::milliseconds watch_connect_timeout{1000};
// Short: while a member is down the next one is tried after it, so this is
// how long a broken watch leaves a replica blind to the fleet's changes.
constexpr std::chrono::milliseconds watch_retry_delay{250};
constexpr std::chrono::milliseconds check_period{1000};

}  // namespace

// ---- the watch -----------------------------------------------------------------

void etcd_state_store::open_watch() {
  if (stopped_) {
    return;
  }
  etcd::watch_stream::handlers h;
  h.on_message = [this](const etcd::watch_message& m) { on_watch_message(m); };
  h.on_broken = [this](const std::string& why) { on_watch_broken(why); };
  watch_ = std::make_shared<etcd::watch_stream>(io_, access_, members_[watch_member_], key_, false,
                                                std::move(h));
  const std::int64_t from = std::max(applied_revision_, read_revision_) + 1;
  watched_revision_ = std::max(watched_revision_, from - 1);
  watch_->start(from, watch_connect_timeout);
}

void etcd_state_store::on_watch_message(const etcd::watch_message& message) {
  if (message.created) {
    set_up(true, "");
  }
  if (message.compact_revision > 0) {
    return;  // on_broken follows, and re-reads
  }
  for (const auto& event : message.events) {
    if (event.type == etcd::watch_event::kind::put && event.kv.key == key_) {
      watched_revision_ = std::max(watched_revision_, event.kv.mod_revision);
      take_remote(event.kv);
    } else if (event.type == etcd::watch_event::kind::remove) {
      log::warn("state store: " + key_ + " was deleted; keeping version " +
                std::to_string(version_) + " (the next change stores it again)");
      applied_revision_ = 0;  // the next CAS must expect a key that does not exist
    }
  }
}

void etcd_state_store::on_watch_broken(const std::string& why) {
  if (stopped_) {
    return;
  }
  watch_.reset();
  if (why.starts_with("compacted")) {
    log::warn("state store: watch " + why + "; reading " + key_ + " anew");
    reread();
    return;
  }
  // Resume on the next member from the revision after the last one applied:
  // nothing committed meanwhile is missed.
  watch_member_ = (watch_member_ + 1) % members_.size();
  if (watch_member_ == 0) {
    set_up(false, "watch: " + why);
  }
  watch_retry_.expires_after(watch_retry_delay);
  watch_retry_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      open_watch();
    }
  });
}

void etcd_state_store::reread() {
  read_client_->call(
      "/v3/kv/range", etcd::range_request(key_, false),
      [this](const boost::system::error_code& ec, unsigned status, std::string body) {
        if (stopped_) {
          return;
        }
        etcd::gateway_error error;
        auto answer = ec ? std::nullopt : etcd::parse_range(body, &error);
        if (!answer) {
          set_up(false, etcd_failure(ec, status, error));
          watch_retry_.expires_after(watch_retry_delay);
          watch_retry_.async_wait([this](const boost::system::error_code& e) {
            if (!e) {
              reread();
            }
          });
          return;
        }
        if (!answer->kvs.empty()) {
          take_remote(answer->kvs.front());
        }
        // Watch from now on: the read above holds everything before it.
        read_revision_ = answer->header.revision;
        open_watch();
      });
}

void etcd_state_store::take_remote(const etcd::key_value& kv) {
  if (kv.mod_revision <= applied_revision_) {
    return;  // applied already (our own commit, seen again through the watch)
  }
  if (!queue_.empty()) {
    // A local commit is in flight: the control plane applies its own change
    // from what it prepared; this one waits until that is answered.
    if (!held_ || held_->mod_revision < kv.mod_revision) {
      held_ = kv;
    }
    return;
  }
  apply_remote(kv);
}

void etcd_state_store::flush_held() {
  if (held_) {
    auto kv = std::move(*held_);
    held_.reset();
    if (kv.mod_revision > applied_revision_) {
      apply_remote(kv);
    }
  }
}

void etcd_state_store::apply_remote(const etcd::key_value& kv) {
  auto state = live_state::from_json(kv.value);
  applied_revision_ = kv.mod_revision;
  if (!state) {
    log::error("state store: " + key_ + " at revision " + std::to_string(kv.mod_revision) +
               " is not a state document; ignored");
    return;
  }
  // A rollout step the fleet's leader made is the rollout's own change on every
  // replica: their engines must not take it for an operator's interruption.
  const auto source =
      state->changed_by == "rollout" ? change_source::rollout : change_source::admin_api;
  change_record change{{state->changed_by, "another replica (etcd)", "", source},
                       "fleet_change",
                       weights_json(applied_weights_),
                       weights_json(state->weights)};
  version_ = state->version;
  applied_weights_ = state->weights;
  notify(*state, change);
  registry_.applied(version_);
}

void etcd_state_store::arm_check() {
  if (stopped_) {
    return;
  }
  check_timer_.expires_after(check_period);
  check_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) {
      check_fresh();
    }
  });
}

void etcd_state_store::check_fresh() {
  read_client_->call(
      "/v3/kv/range", etcd::range_request(key_, false),
      [this](const boost::system::error_code& ec, unsigned status, std::string body) {
        if (stopped_) {
          return;
        }
        arm_check();
        etcd::gateway_error error;
        auto answer = ec ? std::nullopt : etcd::parse_range(body, &error);
        if (!answer) {
          set_up(false, etcd_failure(ec, status, error));
          return;
        }
        set_up(true, "");
        if (answer->kvs.empty() || !queue_.empty()) {
          return;  // a local commit in flight tells what the store holds soon enough
        }
        const auto& kv = answer->kvs.front();
        if (kv.mod_revision <= watched_revision_) {
          suspect_revision_ = 0;
          return;
        }
        if (suspect_revision_ == 0 || kv.mod_revision < suspect_revision_) {
          suspect_revision_ = kv.mod_revision;  // maybe just on its way through the watch
          return;
        }
        log::warn("state store: the watch did not bring revision " +
                  std::to_string(suspect_revision_) + " within " +
                  std::to_string(check_period.count()) +
                  " ms; applying it from a read and watching through the next member");
        suspect_revision_ = 0;
        take_remote(kv);
        if (watch_) {
          watch_->stop();
          watch_.reset();
        }
        watch_retry_.cancel();
        watch_member_ = (watch_member_ + 1) % members_.size();
        open_watch();
      });
}

}  // namespace quikedge::server
