// Control plane: live weights, table publication, rollback and reload.
#include "server/control_plane.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <iostream>
#include <thread>

#include "quikedge/config_loader.hpp"
#include "server/listener.hpp"
#include "util/log.hpp"

namespace quikedge::server {
namespace {

/// The one stack holding all weight, if any.
std::optional<std::string> sole_stack(const control_plane::weight_map& weights) {
  std::optional<std::string> only;
  for (const auto& [name, weight] : weights) {
    if (weight == 0) {
      continue;
    }
    if (only) {
      return std::nullopt;
    }
    only = name;
  }
  return only;
}

unsigned worker_count(const config& settings) {
  if (settings.workers > 0) {
    return settings.workers;
  }
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace

control_plane::control_plane(boost::asio::io_context& control_io,
                             std::shared_ptr<const config> settings)
    : control_io_(control_io), settings_(std::move(settings)), drain_timer_(control_io) {
  log::init(settings_->level);
  for (const auto& stack : settings_->stacks) {
    auto it = settings_->routing.weights.find(stack.name);
    weights_[stack.name] = it == settings_->routing.weights.end() ? 0 : it->second;
  }
  file_weights_ = weights_;
  changed_at_ = std::chrono::system_clock::now();
  stable_stack_ = sole_stack(weights_);
}

control_plane::~control_plane() {
  for (auto& w : workers_) {
    w->stop();
  }
}

void control_plane::start(std::vector<inherited_listener>* inherited) {
  if (settings_->backend == io_backend::io_uring) {
    // Asio picks its reactor at compile time; this binary is the epoll build.
    throw std::runtime_error(
        "io_backend: io_uring is not available in this build; use io_backend: epoll");
  }
  table_ = builder_.build(settings_, weights_, {}, {}, {}, table_serial_);
  health_ = std::make_unique<health::health_checker>(
      control_io_, [this](const std::string& stack, const std::string& endpoint, bool healthy) {
        on_health_change(stack, endpoint, healthy);
      });
  health_->configure(*settings_);
  const unsigned count = worker_count(*settings_);
  if (!settings_->access_log.path.empty()) {
    access_log_ = std::make_unique<metrics::access_log_writer>(settings_->access_log.path);
  }
  for (unsigned i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<worker>(i, open_connections_));
    if (access_log_) {
      workers_.back()->enable_access_log(*access_log_, settings_->access_log.sample_rate);
    }
  }
  std::vector<inherited_listener> none;
  bound_ =
      open_listeners(*settings_, workers_, inherited != nullptr ? *inherited : none, listening_);
  for (auto& w : workers_) {
    w->start(table_);
  }
  listeners_up_ = true;
  if (!drains_.empty()) {
    install_table([](change_result) {});  // drain windows handed over by the previous process
  }
}

void control_plane::shutdown(std::chrono::milliseconds grace) {
  listeners_up_ = false;
  if (health_) {
    health_->stop();
  }
  for (auto& w : workers_) {
    w->stop_accepting(settings_->timeouts.shutdown_drain);
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (open_connections_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& w : workers_) {
    w->stop();
  }
}

std::string control_plane::weights_json(const weight_map& weights) const {
  boost::json::object object;
  for (const auto& [name, weight] : weights) {
    object[name] = weight;
  }
  return boost::json::serialize(object);
}

std::optional<std::string> control_plane::validate_weights(const weight_map& weights) const {
  std::uint64_t total = 0;
  for (const auto& [name, weight] : weights) {
    if (settings_->find_stack(name) == nullptr) {
      return "unknown stack \"" + name + "\"";
    }
    if (weight > 1000000) {
      return "weight of \"" + name + "\" is over 1000000";
    }
    total += weight;
  }
  for (const auto& stack : settings_->stacks) {
    if (weights.find(stack.name) == weights.end()) {
      return "weights must name every stack; missing \"" + stack.name + "\"";
    }
  }
  if (total == 0) {
    return "all weights are zero";
  }
  return std::nullopt;
}

void control_plane::remember_stable_stack(const weight_map& old_weights) {
  if (auto only = sole_stack(old_weights)) {
    stable_stack_ = only;
  }
}

void control_plane::set_weights(const weight_map& weights,
                                std::optional<std::uint64_t> expected_version,
                                const change_origin& origin, const std::string& action,
                                done_fn done) {
  if (auto error = validate_weights(weights)) {
    done({400, *error});
    return;
  }
  if (expected_version && *expected_version != version_) {
    done({409,
          "version is " + std::to_string(version_) + ", not " + std::to_string(*expected_version)});
    return;
  }
  std::string before = weights_json(weights_);
  if (weights != weights_) {
    remember_stable_stack(weights_);
  }
  weight_map old_weights = weights_;
  weights_ = weights;
  update_drains(old_weights, settings_->routing.websocket.drain_timeout);
  publish(origin, action, before, std::move(done));
}

void control_plane::update_drains(const weight_map& old_weights, std::chrono::milliseconds window) {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [name, weight] : weights_) {
    auto old = old_weights.find(name);
    const bool had_weight = old != old_weights.end() && old->second > 0;
    if (weight > 0) {
      drains_.erase(name);  // raising the weight again ends the drain
    } else if (had_weight && window.count() == 0) {
      // No window: the stack is drained in the very table this change publishes,
      // so sticky clients move and its WebSockets close before the call returns.
      drains_.erase(name);
      finished_drains_.insert(name);
    } else if (had_weight) {
      drains_[name] = now + window;
    }
  }
  // Stacks removed by a reload have nothing left to drain through the table.
  for (auto it = drains_.begin(); it != drains_.end();) {
    it = weights_.count(it->first) ? std::next(it) : drains_.erase(it);
  }
}

void control_plane::arm_drain_timer() {
  if (drains_.empty()) {
    drain_timer_.cancel();
    return;
  }
  auto earliest = std::chrono::steady_clock::time_point::max();
  for (const auto& [name, until] : drains_) {
    earliest = std::min(earliest, until);
  }
  drain_timer_.expires_at(earliest);
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      on_drain_timer();
    }
  });
}

void control_plane::on_drain_timer() {
  const auto now = std::chrono::steady_clock::now();
  bool ended = false;
  for (auto it = drains_.begin(); it != drains_.end();) {
    if (it->second <= now) {
      finished_drains_.insert(it->first);
      it = drains_.erase(it);
      ended = true;
    } else {
      ++it;
    }
  }
  if (!ended) {
    arm_drain_timer();
    return;
  }
  // The window is over: sticky clients of the drained stack move (their cookie
  // is no longer honoured and gets rewritten). Not a change of the routing state
  // controllers set, so no new version (an If-Match must not fail because of it).
  log::info("drain window ended");
  install_table([](change_result) {});
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
  weight_map weights;
  for (const auto& [name, weight] : weights_) {
    weights[name] = name == *target ? std::max<std::uint32_t>(weight, 100) : 0;
  }
  std::string before = weights_json(weights_);
  weight_map old_weights = weights_;
  weights_ = weights;
  update_drains(old_weights, settings_->routing.websocket.rollback_drain_timeout);
  publish(origin, "rollback", before, std::move(done));
}

void control_plane::reload(const change_origin& origin, done_fn done) {
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
  log::init(fresh->level);
  if (fresh->listeners.size() != settings_->listeners.size()) {
    done({400, "listeners cannot change on reload; restart the proxy"});
    return;
  }
  for (std::size_t i = 0; i < fresh->listeners.size(); ++i) {
    if (!(fresh->listeners[i].bind == settings_->listeners[i].bind)) {
      done({400, "listeners cannot change on reload; restart the proxy"});
      return;
    }
  }
  weight_map file_weights;
  for (const auto& stack : fresh->stacks) {
    auto it = fresh->routing.weights.find(stack.name);
    file_weights[stack.name] = it == fresh->routing.weights.end() ? 0 : it->second;
  }
  // Last change wins: the file's weights replace the live ones only if the file
  // changed them; otherwise weights set through the API survive the reload.
  weight_map weights = weights_;
  if (file_weights != file_weights_) {
    weights = file_weights;
  } else {
    weight_map kept;
    for (const auto& stack : fresh->stacks) {
      auto it = weights_.find(stack.name);
      kept[stack.name] = it == weights_.end() ? 0 : it->second;
    }
    weights = kept;
  }
  std::uint64_t total = 0;
  for (const auto& [name, weight] : weights) {
    total += weight;
  }
  if (total == 0) {
    done({400, "after reload every live weight would be zero"});
    return;
  }
  try {
    // Dry run: endpoints that do not resolve must be refused before anything changes.
    builder_.build(fresh, weights, {}, {}, {}, 0);
  } catch (const std::exception& e) {
    done({400, e.what()});
    return;
  }
  std::string before = weights_json(weights_);
  settings_ = fresh;
  file_weights_ = file_weights;
  if (weights != weights_) {
    remember_stable_stack(weights_);
  }
  weight_map old_weights = weights_;
  weights_ = weights;
  update_drains(old_weights, settings_->routing.websocket.drain_timeout);
  if (health_) {
    health_->configure(*settings_);
    endpoint_health_ = health_->verdicts();
  }
  publish(origin, "reload", before, std::move(done));
}

void control_plane::publish(const change_origin& origin, const std::string& action,
                            const std::string& before, done_fn done) {
  ++version_;
  changed_at_ = std::chrono::system_clock::now();
  changed_by_ = origin.actor;
  log::info(action + " by " + origin.actor + " from " + origin.client + ": " + before + " -> " +
            weights_json(weights_) + " (version " + std::to_string(version_) + ")");
  if (on_change) {
    on_change(origin, action, before, weights_json(weights_));
  }
  try {
    install_table(std::move(done));
  } catch (const std::exception& e) {
    done({400, e.what()});
  }
}

void control_plane::install_table(done_fn done) {
  auto table = builder_.build(settings_, weights_, drains_, finished_drains_, endpoint_health_,
                              ++table_serial_);
  finished_drains_.clear();
  table_ = table;
  arm_drain_timer();
  // Answer only when every worker has swapped: from then on every new request
  // sees the new table.
  auto pending = std::make_shared<std::size_t>(workers_.size());
  auto finish = std::make_shared<done_fn>(std::move(done));
  if (workers_.empty()) {
    (*finish)({200, ""});
    return;
  }
  for (auto& w : workers_) {
    w->install(table, [this, pending, finish] {
      boost::asio::post(control_io_, [pending, finish] {
        if (--*pending == 0) {
          (*finish)({200, ""});
        }
      });
    });
  }
}

void control_plane::on_health_change(const std::string& stack, const std::string& endpoint,
                                     bool healthy) {
  endpoint_health_[stack + '\n' + endpoint] = healthy;
  (healthy ? log::info : log::warn)("endpoint " + endpoint + " of stack " + stack + " is now " +
                                    (healthy ? "healthy" : "UNHEALTHY"));
  install_table([](change_result) {});
}

}  // namespace quikedge::server
