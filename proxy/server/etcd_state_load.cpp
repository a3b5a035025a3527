// etcd store, start-up: the blocking first read of PREFIX/state, on a private
// io_context because the control one does not run yet. Main thread, once,
// before any listener opens.
#include <boost/asio/steady_timer.hpp>

#include <iostream>

#include "server/etcd_state_store.hpp"
#include "util/log.hpp"

namespace quikedge::server {
namespace {

constexpr std::chrono::milliseconds attempt_timeout{1000};
constexpr std::chrono::milliseconds retry_delay{500};

struct answer {
  boost::system::error_code ec;
  unsigned status = 0;
  std::string body;
};

/// One POST through a fresh client on `io`, run to completion.
answer call_once(boost::asio::io_context& io, const etcd::access_ptr& access,
                 const std::vector<address>& members, const std::string& path,
                 const std::string& body) {
  answer out;
  auto client = std::make_shared<etcd::gateway_client>(io, access, members, attempt_timeout);
  client->call(path, body,
               [&out](const boost::system::error_code& ec, unsigned status, std::string text) {
                 out = {ec, status, std::move(text)};
               });
  io.restart();
  io.run();
  return out;
}

std::string why_of(const answer& a, const etcd::gateway_error& error) {
  if (a.ec) {
    return "no etcd member answered (" + a.ec.message() + ")";
  }
  if (!error.message.empty()) {
    return "etcd: " + error.message;
  }
  return "etcd answered " + std::to_string(a.status) + ": " + a.body.substr(0, 200);
}

void pause(boost::asio::io_context& io, std::chrono::milliseconds how_long) {
  boost::asio::steady_timer timer(io, how_long);
  timer.async_wait([](const boost::system::error_code&) {});
  io.restart();
  io.run();
}

}  // namespace

load_result etcd_state_store::load() {
  boost::asio::io_context io;
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + load_deadline;
  std::string endpoints;
  for (const auto& m : members_) {
    endpoints += (endpoints.empty() ? "" : ",") + m.to_string();
  }
  for (int attempt = 1;; ++attempt) {
    std::string why;
    auto read = call_once(io, access_, members_, "/v3/kv/range", etcd::range_request(key_, false));
    etcd::gateway_error error;
    auto range = read.ec ? std::nullopt : etcd::parse_range(read.body, &error);
    if (range && !range->kvs.empty()) {
      const auto& kv = range->kvs.front();
      auto state = live_state::from_json(kv.value);
      if (!state) {
        // Not ours to overwrite: another version of quikedge, or a person, put it there.
        throw std::runtime_error("state store: " + key_ + " does not hold a state document");
      }
      // Drain windows were stored as time left at the last change.
      const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now() - state->changed_at);
      for (auto it = state->drains_left.begin(); it != state->drains_left.end();) {
        it->second -= since;
        it = it->second.count() > 0 ? std::next(it) : state->drains_left.erase(it);
      }
      version_ = state->version;
      applied_revision_ = kv.mod_revision;
      applied_weights_ = state->weights;
      up_ = true;
      loaded_ = true;
      log::info("state store: read version " + std::to_string(version_) + " from " + key_);
      return {std::move(state), ""};
    }
    if (range) {
      // Nothing stored: this replica is the fleet's first; the config file's
      // weights become version 1 (unless another replica got there first).
      live_state first = first_state_;
      first.changed_at = std::chrono::system_clock::now();
      auto put = call_once(io, access_, members_, "/v3/kv/txn",
                           etcd::compare_and_put_request(key_, first.to_json(), 0));
      auto txn = put.ec ? std::nullopt : etcd::parse_txn(put.body, &error);
      if (txn && txn->succeeded) {
        version_ = first.version;
        applied_revision_ = txn->header.revision;
        applied_weights_ = first.weights;
        up_ = true;
        loaded_ = true;
        log::info("state store: " + key_ + " was empty; stored the config file's weights");
        return {first, ""};
      }
      if (txn) {
        continue;  // someone else stored one meanwhile: read it
      }
      why = why_of(put, error);
    } else {
      why = why_of(read, error);
    }
    if (std::chrono::steady_clock::now() + retry_delay >= deadline) {
      throw std::runtime_error("state store: cannot read " + key_ + " from etcd (" + endpoints +
                               ") within " + std::to_string(load_deadline.count() / 1000) +
                               " s: " + why);
    }
    // stderr, whatever the log level: an operator watching a replica that does
    // not come up must see why.
    std::cerr << "quikedge: waiting for the state store (" << endpoints << "), attempt " << attempt
              << ": " << why << "; no listener opens until it answers" << std::endl;
    pause(io, retry_delay);
  }
}

}  // namespace quikedge::server
