// Registration beat: keep-alive (or grant + put after a loss), then list.
#include "server/etcd_replica_registry.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "etcd/etcd_messages.hpp"
#include "server/etcd_failure.hpp"
#include "util/json_numbers.hpp"
#include "util/log.hpp"

namespace quikedge::server {
namespace {

namespace json = boost::json;

// One member's answer must come within this; the next member is tried after.
constexpr std::chrono::milliseconds call_timeout{1000};

std::int64_t ms_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_ms(std::int64_t ms) {
  constexpr std::int64_t year_2100_ms = 4'102'444'800'000;  // beyond: chrono would overflow
  ms = std::clamp<std::int64_t>(ms, 0, year_2100_ms);
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::milliseconds(ms)));
}

}  // namespace

etcd_replica_registry::etcd_replica_registry(boost::asio::io_context& io, const config& settings,
                                             etcd::access_ptr access, reachability_fn reachable)
    : client_(std::make_shared<etcd::gateway_client>(io, std::move(access),
                                                     settings.state.etcd.endpoints, call_timeout)),
      timer_(io),
      prefix_(settings.state.etcd.prefix + "/replicas/"),
      id_(settings.state.etcd.replica_id),
      address_(settings.admin.bind.to_string()),
      ttl_(settings.state.etcd.lease_ttl),
      reachable_(std::move(reachable)) {}

void etcd_replica_registry::start(std::uint64_t applied_version, std::string address) {
  applied_version_ = applied_version;
  address_ = std::move(address);
  stopped_ = false;
  tick();
}

void etcd_replica_registry::stop() {
  stopped_ = true;
  timer_.cancel();
  client_->cancel_all();
}

void etcd_replica_registry::applied(std::uint64_t version) {
  applied_version_ = version;
  if (lease_ != 0 && !stopped_) {
    put_record();
  }
}

void etcd_replica_registry::refresh(std::function<void(bool listed)> done) {
  if (stopped_) {
    done(false);
    return;
  }
  refreshing_.push_back(std::move(done));
  if (refreshing_.size() > 1) {
    return;  // the listing in flight answers this one too
  }
  list([this](bool listed) {
    auto waiting = std::move(refreshing_);
    refreshing_.clear();
    for (auto& w : waiting) {
      w(listed);
    }
  });
}

void etcd_replica_registry::arm(std::chrono::milliseconds after) {
  if (stopped_) {
    return;
  }
  timer_.expires_after(after);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      tick();
    }
  });
}

void etcd_replica_registry::tick() {
  if (lease_ == 0) {
    grant();
    return;
  }
  client_->call("/v3/lease/keepalive", etcd::lease_id_request(lease_),
                [this](const boost::system::error_code& ec, unsigned status, std::string body) {
                  if (stopped_) {
                    return;
                  }
                  etcd::gateway_error error;
                  auto answer = ec ? std::nullopt : etcd::parse_lease(body, &error);
                  if (!answer) {
                    reachable_(false, etcd_failure(ec, status, error));
                    arm(ttl_ / 3);
                    return;
                  }
                  reachable_(true, "");
                  if (answer->ttl > 0 && record_stale_) {
                    put_record();
                  }
                  if (answer->ttl <= 0) {
                    // Expired while etcd could not be reached: the record went with it.
                    log::warn("fleet: lease of replica " + id_ + " expired; registering anew");
                    lease_ = 0;
                    grant();
                    return;
                  }
                  list();
                });
}

void etcd_replica_registry::grant() {
  client_->call("/v3/lease/grant", etcd::lease_grant_request(ttl_.count() / 1000),
                [this](const boost::system::error_code& ec, unsigned status, std::string body) {
                  if (stopped_) {
                    return;
                  }
                  etcd::gateway_error error;
                  auto answer = ec ? std::nullopt : etcd::parse_lease(body, &error);
                  if (!answer || answer->id == 0) {
                    reachable_(false, etcd_failure(ec, status, error));
                    arm(ttl_ / 3);
                    return;
                  }
                  reachable_(true, "");
                  lease_ = answer->id;
                  put_record();
                  list();
                });
}

void etcd_replica_registry::put_record() {
  json::object record{{"address", address_},
                      {"applied_version", applied_version_},
                      {"started_at", ms_since_epoch(started_at_)}};
  client_->call("/v3/kv/put", etcd::put_request(prefix_ + id_, json::serialize(record), lease_),
                [this](const boost::system::error_code& ec, unsigned status, std::string body) {
                  if (stopped_) {
                    return;
                  }
                  etcd::gateway_error error;
                  if (ec || !etcd::parse_header_only(body, &error)) {
                    // "requested lease not found": lost; the next beat grants a new one.
                    if (!ec && error.message.find("lease not found") != std::string::npos) {
                      lease_ = 0;
                    }
                    record_stale_ = true;
                    reachable_(false, etcd_failure(ec, status, error));
                    return;
                  }
                  record_stale_ = false;
                });
}

void etcd_replica_registry::list(std::function<void(bool listed)> done) {
  client_->call("/v3/kv/range", etcd::range_request(prefix_, true),
                [this, done = std::move(done)](const boost::system::error_code& ec, unsigned status,
                                               std::string body) {
                  if (stopped_) {
                    if (done) {
                      done(false);
                    }
                    return;
                  }
                  if (!done) {
                    arm(ttl_ / 3);
                  }
                  etcd::gateway_error error;
                  auto answer = ec ? std::nullopt : etcd::parse_range(body, &error);
                  if (!answer) {
                    reachable_(false, etcd_failure(ec, status, error));
                    if (done) {
                      done(false);
                    }
                    return;
                  }
                  const auto now = std::chrono::system_clock::now();
                  std::vector<replica_info> seen;
                  for (const auto& kv : answer->kvs) {
                    boost::system::error_code parse_ec;
                    auto parsed = json::parse(kv.value, parse_ec);
                    if (parse_ec || !parsed.is_object()) {
                      continue;
                    }
                    const auto& o = parsed.as_object();
                    replica_info info;
                    info.id = kv.key.substr(prefix_.size());
                    if (const auto* a = o.if_contains("address"); a && a->is_string()) {
                      info.address = std::string(a->as_string());
                    }
                    if (const auto v = util::json_unsigned(o.if_contains("applied_version"))) {
                      info.applied_version = *v;
                    }
                    if (const auto* s = o.if_contains("started_at"); s && s->is_int64()) {
                      info.started_at = from_ms(s->as_int64());
                    }
                    info.last_seen = now;
                    seen.push_back(std::move(info));
                  }
                  replicas_ = std::move(seen);
                  if (done) {
                    done(true);
                  }
                });
}

}  // namespace quikedge::server
