// Control plane: weight changes, rollback and reload, committed through the
// state store and published to the workers.
#include "server/control_plane.hpp"

#include <boost/asio/post.hpp>

#include "quikedge/config_loader.hpp"
#include "server/reload_plan.hpp"
#include "server/stack_counters.hpp"
#include "server/weight_rules.hpp"
#include "util/log.hpp"

namespace quikedge::server {

control_plane::control_plane(boost::asio::io_context& control_io,
                             std::shared_ptr<const config> settings, state_store& store)
    : control_io_(control_io),
      settings_(std::move(settings)),
      store_(store),
      workers_(control_io),
      drain_timer_(control_io),
      ticket_keys_(std::make_shared<tls::ticket_keys>()),
      ticket_timer_(control_io),
      memory_release_(control_io, [this] {
        std::uint64_t sum = 0;
        for (const auto& w : workers_.workers()) {
          sum += w->metrics().activity().load(std::memory_order_relaxed);
        }
        return sum;
      }) {
  log::init(settings_->level);
  weights_ = config_weights(*settings_);
  file_weights_ = weights_;
  changed_at_ = std::chrono::system_clock::now();
  stable_stack_ = sole_stack(weights_);
  store_.subscribe(*this);
}

control_plane::~control_plane() = default;

void control_plane::start(std::vector<inherited_listener>* inherited) {
  auto table = tables_.build_first(settings_, weights_);
  health_ = std::make_unique<health::health_checker>(
      control_io_, [this](const std::string& stack, const std::string& endpoint, bool healthy) {
        on_health_change(stack, endpoint, healthy);
      });
  health_->configure(*settings_);
  tls_ = tls::make_listener_contexts(*settings_, ticket_keys_);
  std::vector<inherited_listener> none;
  workers_.start(*settings_, table, tls_, inherited != nullptr ? *inherited : none);
  arm_ticket_rotation();
  memory_release_.start();
  if (!drains_.active().empty()) {
    install_table([](change_result) {});  // drain windows handed over by the previous process
  }
}

void control_plane::shutdown(std::chrono::milliseconds grace) {
  ticket_timer_.cancel();
  memory_release_.stop();
  if (health_) {
    health_->stop();
  }
  workers_.shutdown(settings_->timeouts.shutdown_drain, grace);
}

control_plane::pending_change control_plane::prepare(weight_map weights,
                                                     std::chrono::milliseconds drain_window,
                                                     bool remember_stable) const {
  pending_change next{std::move(weights), drains_, stable_stack_, settings_, file_weights_};
  if (remember_stable && next.weights != weights_) {
    if (auto only = sole_stack(weights_)) {
      next.stable_stack = only;
    }
  }
  next.drains.update(weights_, next.weights, drain_window, std::chrono::steady_clock::now());
  return next;
}

void control_plane::set_weights(const weight_map& weights,
                                std::optional<std::uint64_t> expected_version,
                                const change_origin& origin, const std::string& action,
                                done_fn done) {
  if (auto error = validate_weights(*settings_, weights)) {
    done({400, *error});
    return;
  }
  commit(prepare(weights, settings_->routing.websocket.drain_timeout, true), expected_version,
         origin, action, std::move(done));
}

void control_plane::rollback(const std::optional<std::string>& to, const change_origin& origin,
                             done_fn done) {
  std::optional<std::string> target = to ? to : stable_stack_;
  if (!target) {
    done({409, "no stack held all weight before the last shift; name one with \"to\""});
    return;
  }
  if (settings_->find_stack(*target) == nullptr) {
    done({400, "unknown stack \"" + *target + "\""});
    return;
  }
  commit(prepare(rollback_weights(weights_, *target),
                 settings_->routing.websocket.rollback_drain_timeout, false),
         std::nullopt, origin, "rollback", std::move(done));
}

void control_plane::reload(const change_origin& origin, done_fn done) {
  if (!pending_.empty() || !waiting_reloads_.empty()) {
    waiting_reloads_.push_back({origin, std::move(done)});
    return;
  }
  reload_now(origin, std::move(done));
}

void control_plane::reload_now(const change_origin& origin, done_fn done) {
  auto loaded = load_config_file(settings_->source_file);
  if (!loaded.errors.empty()) {
    std::string text;
    for (const auto& error : loaded.errors) {
      text += error.to_string();
      text += '\n';
    }
    done({400, text});
    return;
  }
  auto fresh = std::make_shared<const config>(std::move(*loaded.value));
  auto plan = plan_reload(*settings_, *fresh, weights_, file_weights_);
  if (!plan.error.empty()) {
    done({400, plan.error});
    return;
  }
  std::vector<tls::server_context_ptr> fresh_tls;
  try {
    // Dry run: endpoints that do not resolve must be refused before anything changes.
    tables_.check(fresh, plan.weights);
    // Certificates and keys are read again (rotation). Built here, before the
    // commit, so that a pair that fails to load changes nothing.
    fresh_tls = tls::make_listener_contexts(*fresh, ticket_keys_);
  } catch (const std::exception& e) {
    done({400, e.what()});
    return;
  }
  log::init(fresh->level);  // only once nothing can refuse the file any more
  auto next = prepare(std::move(plan.weights), fresh->routing.websocket.drain_timeout, true);
  next.tls = std::move(fresh_tls);
  next.settings = fresh;
  next.file_weights = std::move(plan.file_weights);
  next.reloaded = true;
  commit(std::move(next), std::nullopt, origin, "reload", std::move(done));
}

void control_plane::commit(pending_change next, std::optional<std::uint64_t> expected_version,
                           const change_origin& origin, const std::string& action, done_fn done) {
  change_record change{origin, action, weights_json(weights_), weights_json(next.weights)};
  live_state state;
  state.version = version_;  // the store numbers the committed state
  state.weights = next.weights;
  state.file_weights = next.file_weights;
  state.changed_at = std::chrono::system_clock::now();
  state.changed_by = origin.actor;
  state.stable_stack = next.stable_stack;
  state.drains_left = next.drains.left(std::chrono::steady_clock::now());
  pending_.push_back(std::move(next));
  store_.commit(std::move(state), expected_version, change,
                [this, done = std::move(done)](const change_result& result, const live_state&) {
                  if (!result.error.empty()) {
                    // Refused: never reached on_state_committed, which consumes the others.
                    if (!pending_.empty()) {
                      pending_.pop_front();
                    }
                    done(result);
                  } else {
                    try {
                      install_table(done);
                    } catch (const std::exception& e) {
                      done({400, e.what()});
                    }
                  }
                  if (pending_.empty() && !waiting_reloads_.empty()) {
                    boost::asio::post(control_io_, [this] { resume_reloads(); });
                  }
                });
}

void control_plane::resume_reloads() {
  while (pending_.empty() && !waiting_reloads_.empty()) {
    auto next = std::move(waiting_reloads_.front());
    waiting_reloads_.pop_front();
    reload_now(next.origin, std::move(next.done));
  }
}

void control_plane::on_state_committed(const live_state& state, const change_record& change) {
  if (!pending_.empty()) {
    auto next = std::move(pending_.front());
    pending_.pop_front();
    apply(std::move(next), state);
  } else {
    // Committed elsewhere (another replica, or anyone who can write to etcd):
    // checked like a change made here before it routes a single request.
    auto weights = fit_to_stacks(*settings_, state.weights);
    if (!weights) {
      log::error(change.action + " by " + change.origin.actor + " (version " +
                 std::to_string(state.version) + ", " + weights_json(state.weights) +
                 ") gives no stack configured here any weight; it is not applied and " +
                 weights_json(weights_) + " stays in use");
      return;
    }
    // The weights as stored, drains as far as they are known.
    pending_change next = prepare(std::move(*weights), std::chrono::milliseconds(0), false);
    if (state.stable_stack && settings_->find_stack(*state.stable_stack) != nullptr) {
      next.stable_stack = state.stable_stack;
    }
    next.drains.restore(state.drains_left, state.weights, std::chrono::steady_clock::now());
    apply(std::move(next), state);
    try {
      install_table([](change_result) {});
    } catch (const std::exception& e) {
      log::error("a change committed elsewhere cannot be routed: " + std::string(e.what()));
    }
  }
  log::info(change.action + " by " + change.origin.actor + " from " + change.origin.client + ": " +
            change.before + " -> " + change.after + " (version " + std::to_string(version_) + ")");
}

void control_plane::apply(pending_change next, const live_state& committed) {
  settings_ = std::move(next.settings);
  file_weights_ = std::move(next.file_weights);
  weights_ = std::move(next.weights);
  drains_ = std::move(next.drains);
  stable_stack_ = std::move(next.stable_stack);
  version_ = committed.version;
  changed_at_ = committed.changed_at;
  changed_by_ = committed.changed_by;
  if (next.reloaded && health_) {
    health_->configure(*settings_);
    tables_.replace_endpoint_health(health_->verdicts());
  }
  if (next.reloaded) {
    // New handshakes get the re-read certificates; open connections and
    // wss:// tunnels keep the contexts they hold.
    tls_ = std::move(next.tls);
    workers_.install_tls(tls_);
  }
}

void control_plane::arm_ticket_rotation() {
  // Hourly, as ticket_keys keeps three keys: a ticket opens for at least 2 h
  // (the session lifetime the contexts announce) and at most 3 h.
  ticket_timer_.expires_after(std::chrono::hours(1));
  ticket_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    try {
      ticket_keys_->rotate();
    } catch (const std::exception& e) {
      log::error(std::string("session ticket key rotation: ") + e.what());
    }
    arm_ticket_rotation();
  });
}

void control_plane::install_table(done_fn done) {
  tables_.publish(settings_, weights_, drains_, std::move(done));
  arm_drain_timer();
}

void control_plane::arm_drain_timer() {
  auto earliest = drains_.next_end();
  if (!earliest) {
    drain_timer_.cancel();
    return;
  }
  drain_timer_.expires_at(*earliest);
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      on_drain_timer();
    }
  });
}

void control_plane::on_drain_timer() {
  if (!drains_.expire(std::chrono::steady_clock::now())) {
    arm_drain_timer();
    return;
  }
  // The window is over: sticky clients of the drained stack move (their cookie
  // is no longer honoured and gets rewritten). Not a change of the routing state
  // controllers set, so no new version (an If-Match must not fail because of it).
  log::info("drain window ended");
  install_table([](change_result) {});
}

void control_plane::on_health_change(const std::string& stack, const std::string& endpoint,
                                     bool healthy) {
  tables_.set_endpoint_health(stack, endpoint, healthy);
  (healthy ? log::info : log::warn)("endpoint " + endpoint + " of stack " + stack + " is now " +
                                    (healthy ? "healthy" : "UNHEALTHY"));
  install_table([](change_result) {});
}

rollout::counter_sample control_plane::sample_stack(const std::string& stack,
                                                    rollout::steady_time now) const {
  return read_stack_counters(table(), workers(), stack, now);
}

}  // namespace quikedge::server
