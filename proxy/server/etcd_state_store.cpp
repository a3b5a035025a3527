// etcd store: the commit queue (one transaction in flight, answered in order,
// each a CAS on the key's mod_revision). The watch that applies changes made
// through other replicas is in etcd_state_watch.cpp, the blocking first read
// in etcd_state_load.cpp. Control thread.
#include "server/etcd_state_store.hpp"

#include "server/etcd_failure.hpp"
#include "server/weight_rules.hpp"
#include "util/log.hpp"

namespace quikedge::server {
namespace {

// One member's answer must come within this; the next member is tried after.
// Small enough that a dead member and a retry still fit in commit_deadline.
constexpr std::chrono::milliseconds call_timeout{1000};

}  // namespace

struct etcd_state_store::pending_commit {
  live_state next;
  std::optional<std::uint64_t> expected;
  change_record change;
  commit_fn done;
  std::chrono::steady_clock::time_point deadline;
  std::int64_t base_revision = 0;  ///< the mod_revision the CAS compares
  std::string value;               ///< `next` as stored
  std::string last_error = "no etcd member answered";
  bool silent = false;    ///< adopt()'s publication: observers already have it
  bool answered = false;  ///< a reply after the deadline is dropped
  std::unique_ptr<boost::asio::steady_timer> deadline_timer;
};

etcd_state_store::etcd_state_store(boost::asio::io_context& io, const config& settings)
    : io_(io),
      members_(settings.state.etcd.endpoints),
      access_(etcd::make_access(settings.state.etcd)),
      key_(settings.state.etcd.prefix + "/state"),
      prefix_(settings.state.etcd.prefix),
      client_(std::make_shared<etcd::gateway_client>(io, access_, members_, call_timeout)),
      read_client_(std::make_shared<etcd::gateway_client>(io, access_, members_, call_timeout)),
      watch_retry_(io),
      check_timer_(io),
      registry_(io, settings, access_,
                [this](bool up, const std::string& why) { set_up(up, why); }) {
  first_state_.version = 1;
  first_state_.weights = config_weights(settings);
  first_state_.file_weights = first_state_.weights;
  first_state_.changed_by = "config";
  first_state_.stable_stack = sole_stack(first_state_.weights);
}

etcd_state_store::~etcd_state_store() {
  stop();
}

std::string etcd_state_store::describe() const {
  return "etcd " + key_;
}

void etcd_state_store::start(const std::string& admin_address) {
  if (started_) {
    return;
  }
  started_ = true;
  if (loaded_) {
    open_watch();
  } else {
    reread();  // applies what the store holds, then watches from there
  }
  registry_.start(version_, admin_address);
  arm_check();
}

void etcd_state_store::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  watch_retry_.cancel();
  check_timer_.cancel();
  if (watch_) {
    watch_->stop();
  }
  registry_.stop();
  client_->cancel_all();
  read_client_->cancel_all();
}

void etcd_state_store::set_up(bool up, const std::string& why) {
  if (up == up_) {
    return;
  }
  up_ = up;
  if (up) {
    log::info("state store: etcd reachable again");
  } else {
    log::warn("state store unavailable: " + why + "; serving the last applied state (version " +
              std::to_string(version_) + ")");
  }
}

// ---- commits ---------------------------------------------------------------

void etcd_state_store::adopt(const live_state& state) {
  if (!loaded_) {
    // Handed over by a predecessor (binary upgrade) without a read: start()
    // reads the store and applies what it holds.
    version_ = state.version;
    applied_weights_ = state.weights;
    return;
  }
  if (state.version == version_) {
    return;
  }
  // import_state decided the config file's weights are the last change: the
  // fleet must hear of it, or this replica would route alone by them.
  change_record change{{"config", "local", "config file weights changed since stored"},
                       "reload",
                       weights_json(applied_weights_),
                       weights_json(state.weights)};
  commit(state, std::nullopt, change, [](const change_result& result, const live_state&) {
    if (!result.error.empty()) {
      log::warn("state store: the config file's weights were not stored: " + result.error);
    }
  });
  // The control plane applied this state itself and has no pending change for
  // it: its observers must not hear of it as a commit.
  queue_.back()->silent = true;
}

void etcd_state_store::commit(live_state next, std::optional<std::uint64_t> expected_version,
                              const change_record& change, commit_fn done) {
  auto call = std::make_shared<pending_commit>();
  call->next = std::move(next);
  call->expected = expected_version;
  call->change = change;
  call->done = std::move(done);
  call->deadline = std::chrono::steady_clock::now() + commit_deadline;
  queue_.push_back(std::move(call));
  if (queue_.size() == 1) {
    run_front();
  }
}

void etcd_state_store::run_front() {
  if (queue_.empty()) {
    flush_held();
    return;
  }
  auto call = queue_.front();
  call->base_revision = applied_revision_;
  call->next.version = version_ + 1;
  call->value = call->next.to_json();
  // A member that accepts connections but does not answer would hold the call
  // for a timeout per try: the deadline answers 503 whatever is in flight.
  call->deadline_timer = std::make_unique<boost::asio::steady_timer>(io_, call->deadline);
  call->deadline_timer->async_wait([this, call](const boost::system::error_code& ec) {
    if (!ec && !call->answered && !stopped_) {
      fail(call, 503, "state store unavailable: " + call->last_error);
    }
  });
  if (call->expected && *call->expected != version_) {
    // If-Match is checked against what the store holds: this replica may be
    // the one behind (a change not seen through the watch yet).
    check_expected(call);
    return;
  }
  send_txn(call);  // a CAS on what we applied: stored version == version_ == If-Match
}

void etcd_state_store::check_expected(const std::shared_ptr<pending_commit>& call) {
  client_->call(
      "/v3/kv/range", etcd::range_request(key_, false),
      [this, call](const boost::system::error_code& ec, unsigned status, const std::string& body) {
        if (call->answered || stopped_) {
          return;
        }
        etcd::gateway_error error;
        auto answer = ec ? std::nullopt : etcd::parse_range(body, &error);
        if (!answer) {
          call->last_error = etcd_failure(ec, status, error);
          if (std::chrono::steady_clock::now() + std::chrono::milliseconds(200) < call->deadline) {
            auto timer =
                std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(200));
            timer->async_wait([this, call, timer](const boost::system::error_code& e) {
              if (!e && !stopped_ && !call->answered) {
                check_expected(call);
              }
            });
          } else {
            fail(call, 503, "state store unavailable: " + call->last_error);
          }
          return;
        }
        set_up(true, "");
        std::optional<etcd::key_value> current;
        if (!answer->kvs.empty()) {
          current = answer->kvs.front();
        }
        if ((current ? current->mod_revision : 0) == call->base_revision) {
          fail(call, 409,
               "version is " + std::to_string(version_) + ", not " +
                   std::to_string(*call->expected));
          return;
        }
        conflict(call, current);  // newer than ours: 409 or rebased on it
      });
}

void etcd_state_store::call_for(const std::shared_ptr<pending_commit>& call, std::string path,
                                std::string body, etcd::gateway_client::reply_fn on_answer) {
  if (std::chrono::steady_clock::now() >= call->deadline) {
    fail(call, 503, "state store unavailable: " + call->last_error);
    return;
  }
  client_->call(std::move(path), std::move(body),
                [this, call, on_answer = std::move(on_answer)](const boost::system::error_code& ec,
                                                               unsigned status, std::string text) {
                  if (call->answered || stopped_) {
                    return;  // answered 503 at the deadline; the watch brings what is stored
                  }
                  on_answer(ec, status, std::move(text));
                });
}

void etcd_state_store::send_txn(const std::shared_ptr<pending_commit>& call) {
  // Every write of a change goes through here, its retries and rebases too, so
  // a fenced change is never stored once the fence has moved.
  const auto& fence = call->change.origin.fence;
  std::string txn =
      fence ? etcd::fenced_compare_and_put_request(key_, call->value, call->base_revision,
                                                   fence->key, fence->create_revision)
            : etcd::compare_and_put_request(key_, call->value, call->base_revision);
  call_for(
      call, "/v3/kv/txn", std::move(txn),
      [this, call](const boost::system::error_code& ec, unsigned status, const std::string& body) {
        etcd::gateway_error error;
        auto answer = ec ? std::nullopt : etcd::parse_txn(body, &error);
        if (!answer) {
          // Maybe applied, maybe not: what the store holds decides.
          call->last_error = etcd_failure(ec, status, error);
          if (ec) {
            set_up(false, call->last_error);
          }
          verify(call);
          return;
        }
        set_up(true, "");
        if (answer->succeeded) {
          succeed(call, answer->header.revision);
          return;
        }
        std::optional<etcd::key_value> current;
        const etcd::key_value* fence_now = nullptr;
        for (const auto& kv : answer->current) {
          if (kv.key == key_) {
            current = kv;
          } else if (call->change.origin.fence && kv.key == call->change.origin.fence->key) {
            fence_now = &kv;
          }
        }
        if (current && current->value == call->value) {
          succeed(call, current->mod_revision);  // an earlier try of this very call went in
          return;
        }
        if (const auto& fence = call->change.origin.fence;
            fence &&
            (fence_now == nullptr || fence_now->create_revision != fence->create_revision)) {
          fail(call, 409,
               "this replica no longer leads the rollout (its leader key " + fence->key +
                   " is gone or was created anew): the change was not stored",
               true);
          return;
        }
        conflict(call, current);
      });
}

void etcd_state_store::verify(const std::shared_ptr<pending_commit>& call) {
  call_for(
      call, "/v3/kv/range", etcd::range_request(key_, false),
      [this, call](const boost::system::error_code& ec, unsigned status, const std::string& body) {
        etcd::gateway_error error;
        auto answer = ec ? std::nullopt : etcd::parse_range(body, &error);
        if (!answer) {
          call->last_error = etcd_failure(ec, status, error);
          retry_later(call, false, std::chrono::milliseconds(200));
          return;
        }
        set_up(true, "");
        std::optional<etcd::key_value> current;
        if (!answer->kvs.empty()) {
          current = answer->kvs.front();
        }
        if (current && current->value == call->value) {
          succeed(call, current->mod_revision);
        } else if ((current ? current->mod_revision : 0) == call->base_revision) {
          retry_later(call, true, std::chrono::milliseconds(100));  // not applied: try again
        } else {
          conflict(call, current);
        }
      });
}

void etcd_state_store::retry_later(const std::shared_ptr<pending_commit>& call, bool txn,
                                   std::chrono::milliseconds delay) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      call->deadline - std::chrono::steady_clock::now());
  if (left <= delay) {
    fail(call, 503, "state store unavailable: " + call->last_error);
    return;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
  timer->async_wait([this, call, txn, timer](const boost::system::error_code& ec) {
    if (ec || stopped_ || call->answered) {
      return;
    }
    txn ? send_txn(call) : verify(call);
  });
}

void etcd_state_store::conflict(const std::shared_ptr<pending_commit>& call,
                                const std::optional<etcd::key_value>& current) {
  std::uint64_t stored_version = version_;
  if (current) {
    auto state = live_state::from_json(current->value);
    if (!state) {
      fail(call, 503, "state store unavailable: " + key_ + " does not hold a state document");
      return;
    }
    stored_version = state->version;
    take_remote(*current);  // applied once this commit is answered
  }
  if (call->expected && *call->expected != stored_version) {
    fail(call, 409,
         "version is " + std::to_string(stored_version) + ", not " +
             std::to_string(*call->expected));
    return;
  }
  // Changed through another replica meanwhile, and no If-Match: this change
  // goes on top of it (the last change wins), numbered after it.
  call->base_revision = current ? current->mod_revision : 0;
  call->next.version = stored_version + 1;
  call->value = call->next.to_json();
  send_txn(call);
}

void etcd_state_store::succeed(const std::shared_ptr<pending_commit>& call, std::int64_t revision) {
  call->answered = true;
  call->deadline_timer->cancel();
  queue_.pop_front();
  version_ = call->next.version;
  applied_revision_ = revision;
  applied_weights_ = call->next.weights;
  if (held_ && held_->mod_revision <= revision) {
    held_.reset();
  }
  if (!call->silent) {
    notify(call->next, call->change);
  }
  call->done({200, ""}, call->next);
  registry_.applied(version_);
  run_front();
}

void etcd_state_store::fail(const std::shared_ptr<pending_commit>& call, int status,
                            const std::string& error, bool fenced_out) {
  call->answered = true;
  call->deadline_timer->cancel();
  queue_.pop_front();
  call->done({status, error, fenced_out}, call->next);
  run_front();
}

}  // namespace quikedge::server
