// The leadership beat: renew the lease, read the leader key and the stored
// rollout, campaign when the key is gone, publish or gather counters.
#include "server/etcd_rollout_leadership.hpp"

#include <boost/json.hpp>

#include "server/etcd_failure.hpp"
#include "util/log.hpp"

namespace quikedge::server {
namespace {

namespace json = boost::json;

// A member that takes longer is skipped for the next: the beat must go on.
constexpr std::chrono::milliseconds call_timeout{1000};

std::optional<rollout::replica_ref> parse_leader(const std::string& value) {
  boost::system::error_code ec;
  auto parsed = json::parse(value, ec);
  if (ec || !parsed.is_object()) {
    return std::nullopt;
  }
  const auto& o = parsed.as_object();
  const auto* id = o.if_contains("id");
  const auto* address = o.if_contains("address");
  if (id == nullptr || !id->is_string() || address == nullptr || !address->is_string()) {
    return std::nullopt;
  }
  return rollout::replica_ref{std::string(id->as_string()), std::string(address->as_string())};
}

}  // namespace

etcd_rollout_leadership::etcd_rollout_leadership(boost::asio::io_context& io,
                                                 const config& settings, hooks h)
    : io_(io),
      hooks_(std::move(h)),
      members_(settings.state.etcd.endpoints),
      access_(etcd::make_access(settings.state.etcd)),
      client_(std::make_shared<etcd::gateway_client>(io, access_, members_, call_timeout)),
      timer_(io),
      id_(settings.state.etcd.replica_id),
      rollout_prefix_(settings.state.etcd.prefix + "/rollout/"),
      leader_key_(settings.state.etcd.prefix + "/rollout/leader"),
      state_key_(settings.state.etcd.prefix + "/rollout/state"),
      counters_prefix_(settings.state.etcd.prefix + "/counters/"),
      ttl_(settings.state.etcd.lease_ttl) {}

etcd_rollout_leadership::~etcd_rollout_leadership() {
  stopped_ = true;
  timer_.cancel();
  client_->cancel_all();
}

void etcd_rollout_leadership::start(std::string admin_address) {
  address_ = std::move(admin_address);
  stopped_ = false;
  on_beat();
}

void etcd_rollout_leadership::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  timer_.cancel();
  client_->cancel_all();
  leading_ = false;
  if (lease_ == 0) {
    return;
  }
  // Revoking the lease removes the leader key and the counters with it: the
  // next replica campaigns on its next beat. The control loop is stopping, so
  // this runs on a loop of its own, bounded.
  boost::asio::io_context private_io{1};
  auto resign = std::make_shared<etcd::gateway_client>(private_io, access_, members_,
                                                       std::chrono::milliseconds(300));
  bool done = false;
  resign->call("/v3/lease/revoke", etcd::lease_id_request(lease_),
               [&done](const boost::system::error_code&, unsigned, std::string) { done = true; });
  private_io.run_for(std::chrono::seconds(1));
  if (!done) {
    log::warn("fleet: could not revoke the rollout lease of " + id_ +
              "; another replica leads once it expires");
  }
  lease_ = 0;
}

void etcd_rollout_leadership::arm() {
  if (stopped_) {
    return;
  }
  timer_.expires_after(beat);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      on_beat();
    }
  });
}

void etcd_rollout_leadership::on_beat() {
  if (stopped_) {
    return;
  }
  // A leader that could not renew its lease for half the ttl steps down by
  // itself: etcd hands the key to another replica once the ttl has passed, and
  // two replicas must never drive at once. Checked on every beat, even while
  // a call of the last one still waits on a member.
  if (leading_ && std::chrono::steady_clock::now() - renewed_at_ > ttl_ / 2) {
    log::warn("fleet: " + id_ + " could not renew its rollout lease; it stops leading");
    became_follower(std::nullopt);
  }
  if (in_beat_) {
    arm();
    return;
  }
  in_beat_ = true;
  if (lease_ == 0) {
    grant();
  } else if (std::chrono::steady_clock::now() >= next_keep_alive_) {
    keep_alive();
  } else {
    read_rollout();
  }
}

void etcd_rollout_leadership::grant() {
  client_->call("/v3/lease/grant", etcd::lease_grant_request(ttl_.count() / 1000),
                [this](const boost::system::error_code& ec, unsigned, std::string body) {
                  if (stopped_) {
                    return;
                  }
                  auto answer = ec ? std::nullopt : etcd::parse_lease(body, nullptr);
                  if (!answer || answer->id == 0) {
                    end_beat();
                    return;
                  }
                  lease_ = answer->id;
                  renewed_at_ = std::chrono::steady_clock::now();
                  next_keep_alive_ = renewed_at_ + ttl_ / 4;
                  read_rollout();
                });
}

void etcd_rollout_leadership::keep_alive() {
  const auto asked_at = std::chrono::steady_clock::now();
  client_->call("/v3/lease/keepalive", etcd::lease_id_request(lease_),
                [this, asked_at](const boost::system::error_code& ec, unsigned, std::string body) {
                  if (stopped_) {
                    return;
                  }
                  auto answer = ec ? std::nullopt : etcd::parse_lease(body, nullptr);
                  if (!answer) {
                    end_beat();  // etcd unreachable: the step-down check decides
                    return;
                  }
                  if (answer->ttl <= 0) {
                    // Gone (etcd was out of reach longer than the ttl): so is the key.
                    lease_ = 0;
                    if (leading_) {
                      became_follower(std::nullopt);
                    }
                    end_beat();
                    return;
                  }
                  // The lease runs from when etcd renewed it, at the latest asked_at.
                  renewed_at_ = asked_at;
                  next_keep_alive_ = asked_at + ttl_ / 4;
                  read_rollout();
                });
}

void etcd_rollout_leadership::read_rollout() {
  client_->call("/v3/kv/range", etcd::range_request(rollout_prefix_, true),
                [this](const boost::system::error_code& ec, unsigned, std::string body) {
                  if (stopped_) {
                    return;
                  }
                  auto answer = ec ? std::nullopt : etcd::parse_range(body, nullptr);
                  if (!answer) {
                    end_beat();
                    return;
                  }
                  std::optional<etcd::key_value> leader_kv;
                  std::optional<std::string> stored;
                  for (auto& kv : answer->kvs) {
                    if (kv.key == leader_key_) {
                      leader_kv = std::move(kv);
                    } else if (kv.key == state_key_) {
                      stored = std::move(kv.value);
                    }
                  }
                  if (!leading_ || !known_) {
                    take_stored(stored);  // a leader's own writes are what it holds
                  }
                  if (!leader_kv) {
                    campaign(stored);
                    return;
                  }
                  auto leader = parse_leader(leader_kv->value);
                  if (leader && leader->id == id_ && leader_kv->lease == lease_) {
                    if (!leading_) {
                      became_leader(leader_kv->create_revision, stored);
                    }
                  } else if (leading_ || leader_ != leader) {
                    became_follower(leader);
                  }
                  publish_counters();
                });
}

void etcd_rollout_leadership::campaign(const std::optional<std::string>& stored) {
  json::object record{{"id", id_}, {"address", address_}};
  client_->call("/v3/kv/txn",
                etcd::compare_and_put_request(leader_key_, json::serialize(record), 0, lease_),
                [this, stored](const boost::system::error_code& ec, unsigned, std::string body) {
                  if (stopped_) {
                    return;
                  }
                  auto answer = ec ? std::nullopt : etcd::parse_txn(body, nullptr);
                  if (!answer) {
                    end_beat();
                    return;
                  }
                  if (answer->succeeded) {
                    // The key was created by this txn: its revision is the fence.
                    became_leader(answer->header.revision, stored);
                  } else if (!answer->current.empty()) {
                    became_follower(parse_leader(answer->current.front().value));
                  }
                  publish_counters();
                });
}

void etcd_rollout_leadership::became_leader(std::int64_t fence,
                                            const std::optional<std::string>& stored) {
  take_stored(stored);
  leading_ = true;
  fence_ = fence;
  leader_ = rollout::replica_ref{id_, address_};
  others_.clear();  // the gates count from this leader's first reading
  log::info("fleet: " + id_ + " leads rollouts");
  if (hooks_.elected) {
    hooks_.elected();
  }
}

void etcd_rollout_leadership::became_follower(std::optional<rollout::replica_ref> leader) {
  const bool was_leading = leading_;
  leading_ = false;
  fence_ = 0;
  leader_ = std::move(leader);
  if (was_leading) {
    log::info("fleet: " + id_ + " no longer leads rollouts");
  }
  if (hooks_.follow) {
    hooks_.follow(stored_);
  }
}

void etcd_rollout_leadership::publish_counters() {
  if (!stored_active() || !hooks_.local_counters) {
    end_beat();
    return;
  }
  if (leading_) {
    read_counters();  // the leader counts its own requests straight from its workers
    return;
  }
  client_->call("/v3/kv/put",
                etcd::put_request(counters_prefix_ + id_,
                                  rollout::encode_stack_samples(hooks_.local_counters()), lease_),
                [this](const boost::system::error_code&, unsigned, std::string) {
                  if (!stopped_) {
                    end_beat();
                  }
                });
}

void etcd_rollout_leadership::read_counters() {
  client_->call("/v3/kv/range", etcd::range_request(counters_prefix_, true),
                [this](const boost::system::error_code& ec, unsigned, std::string body) {
                  if (stopped_) {
                    return;
                  }
                  auto answer = ec ? std::nullopt : etcd::parse_range(body, nullptr);
                  if (answer && leading_) {
                    std::map<std::string, rollout::stack_samples> seen;
                    for (const auto& kv : answer->kvs) {
                      auto replica = kv.key.substr(counters_prefix_.size());
                      if (replica == id_) {
                        continue;  // a publication left from before this replica led
                      }
                      if (auto samples = rollout::decode_stack_samples(kv.value)) {
                        seen[replica] = std::move(*samples);
                      }
                    }
                    others_.update(seen);
                  }
                  end_beat();
                });
}

void etcd_rollout_leadership::end_beat() {
  in_beat_ = false;
  arm();
}

void etcd_rollout_leadership::take_stored(const std::optional<std::string>& text) {
  if (known_ && text == stored_text_) {
    return;
  }
  known_ = true;
  stored_text_ = text;
  stored_.reset();
  if (text) {
    std::string error;
    stored_ = rollout::decode_rollout(*text, error);
    if (!stored_) {
      log::error("fleet: " + state_key_ + " is not a rollout document (" + error + "); ignored");
    }
  }
  if (!leading_ && hooks_.follow) {
    hooks_.follow(stored_);
  }
}

bool etcd_rollout_leadership::stored_active() const {
  return stored_ && rollout::is_active(stored_->snapshot.state);
}

void etcd_rollout_leadership::save(const rollout::stored_rollout& stored) {
  if (!leading_) {
    return;
  }
  std::string text = rollout::encode_rollout(stored);
  stored_text_ = text;
  stored_ = stored;
  client_->call(
      "/v3/kv/txn", etcd::fenced_put_request(leader_key_, fence_, state_key_, text),
      [this](const boost::system::error_code& ec, unsigned status, std::string body) {
        if (stopped_) {
          return;
        }
        etcd::gateway_error error;
        auto answer = ec ? std::nullopt : etcd::parse_txn(body, &error);
        if (!answer) {
          log::error("fleet: the rollout state was not stored: " + etcd_failure(ec, status, error));
        } else if (!answer->succeeded) {
          log::warn("fleet: the rollout state was not stored: " + id_ + " no longer leads");
          became_follower(std::nullopt);
        }
      });
}

std::optional<rollout::stored_rollout> etcd_rollout_leadership::load(std::string& error) {
  error.clear();
  return stored_;
}

}  // namespace quikedge::server
