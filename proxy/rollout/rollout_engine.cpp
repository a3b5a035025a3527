// Rollout engine: timers, counter sampling, weight changes, persistence.
#include "rollout/rollout_engine.hpp"

#include <iostream>
#include <map>

#include "rollout/rollout_status.hpp"
#include "rollout/rollout_store.hpp"
#include "rollout/target_counters.hpp"

namespace quikedge::rollout {
namespace {

/// How often the target's counters are sampled and the gates re-evaluated:
/// the bound on how late a failing gate or a finished pause is noticed.
constexpr std::chrono::milliseconds sample_period{250};

/// Control thread only, like everything that reaches it.
std::map<const server::control_plane*, rollout_engine*>& registry() {
  static std::map<const server::control_plane*, rollout_engine*> engines;
  return engines;
}

clock_pair clocks_now() {
  return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()};
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

rollout_engine* find_engine(const server::control_plane& control) {
  auto it = registry().find(&control);
  return it == registry().end() ? nullptr : it->second;
}

rollout_engine::rollout_engine(boost::asio::io_context& control_io, server::control_plane& control)
    : control_(control), timer_(control_io) {
  registry()[&control_] = this;
  control_.rollout_status_json = [this] { return status_json(); };
  control_.rollout_state_name = [this] { return std::string(to_string(machine_.state())); };
}

rollout_engine::~rollout_engine() {
  stop();
  control_.rollout_status_json = nullptr;
  control_.rollout_state_name = nullptr;
  registry().erase(&control_);
}

void rollout_engine::start() {
  stopped_ = false;
  restore();
}

void rollout_engine::stop() {
  stopped_ = true;
  timer_.cancel();
}

std::string rollout_engine::status_json() const {
  return render_status(machine_, clocks_now());
}

std::string rollout_engine::gate_metrics() const {
  return render_gate_metrics(machine_, control_.settings().environment);
}

server::control_plane::weight_map rollout_engine::weights_for(std::uint32_t target_weight) const {
  server::control_plane::weight_map weights;
  for (const auto& stack : control_.settings().stacks) {
    std::uint32_t weight = 0;
    if (stack.name == machine_.to()) {
      weight = target_weight;
    } else if (stack.name == machine_.from()) {
      weight = 100 - target_weight;
    }
    weights[stack.name] = weight;
  }
  return weights;
}

void rollout_engine::begin(const start_request& request, const server::change_origin& origin,
                           done_fn done) {
  if (control_.settings().find_stack(request.to) == nullptr) {
    done({400, "unknown stack \"" + request.to + "\""});
    return;
  }
  if (is_active(machine_.state())) {
    // The machine gives the 409 with the running rollout's name.
    done({409,
          machine_
              .start("", request.to, request.plan, std::chrono::steady_clock::now(), origin.actor)
              .error});
    return;
  }
  // `from` is the stack serving the most traffic besides the target; it gets
  // back everything the target does not take.
  std::string from;
  std::uint32_t most = 0;
  for (const auto& stack : control_.settings().stacks) {
    auto it = control_.weights().find(stack.name);
    if (stack.name != request.to && it != control_.weights().end() && it->second > most) {
      from = stack.name;
      most = it->second;
    }
  }
  if (from.empty()) {
    done({409, "\"" + request.to + "\" already holds all the weight; nothing to roll out"});
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!read_target_counters(control_, request.to, now).healthy) {
    done({409, "\"" + request.to + "\" has no healthy endpoint"});
    return;
  }
  auto result = machine_.start(from, request.to, request.plan, now, origin.actor);
  // The baseline: the window holds only requests the rollout sent.
  machine_.on_sample(read_target_counters(control_, request.to, now));
  apply(result.effect, origin, std::move(done));
  arm_timer();
}

void rollout_engine::act(const std::string& verb, const server::change_origin& origin,
                         done_fn done) {
  const auto now = std::chrono::steady_clock::now();
  action_result result;
  if (verb == "pause") {
    result = machine_.pause(now, origin.actor);
  } else if (verb == "resume") {
    result = machine_.resume(now, origin.actor);
  } else if (verb == "promote") {
    result = machine_.promote(now, origin.actor);
  } else if (verb == "abort") {
    result = machine_.abort(now, origin.actor);
  } else {
    done({404, "no rollout action \"" + verb + "\""});
    return;
  }
  if (!result.error.empty()) {
    done({result.status, result.error});
    return;
  }
  apply(result.effect, origin, std::move(done));
  arm_timer();
}

void rollout_engine::apply(const rollout_effect& effect, server::change_origin origin,
                           done_fn done) {
  persist();
  if (effect.what == rollout_effect::kind::none) {
    done({200, ""});
    return;
  }
  origin.reason = origin.reason.empty() ? effect.reason : origin.reason + "; " + effect.reason;
  auto finished = [this, done = std::move(done)](const server::change_result& result) {
    if (!result.error.empty()) {
      std::cerr << "quikedge: rollout change refused: " << result.error << std::endl;
      if (is_active(machine_.state())) {
        machine_.fail("a rollout change was refused: " + result.error);
        persist();
      }
    }
    done(result);
  };
  // on_change runs inside these calls: the flag tells our own changes apart.
  own_change_ = true;
  if (effect.what == rollout_effect::kind::rollback) {
    // control_plane::rollback drains the left stack over rollback_drain_timeout.
    control_.rollback(machine_.from(), origin, std::move(finished));
  } else {
    control_.set_weights(weights_for(effect.target_weight), std::nullopt, origin, effect.action,
                         std::move(finished));
  }
  own_change_ = false;
}

void rollout_engine::on_control_change(const server::change_origin& origin,
                                       const std::string& action, const std::string& before,
                                       const std::string& after) {
  if (own_change_ || !is_active(machine_.state())) {
    return;
  }
  if (action != "rollback" && before == after) {
    return;  // e.g. a drain ending or a reload that kept the weights
  }
  std::string reason = "aborted: " + action + " by " + origin.actor;
  if (!origin.reason.empty()) {
    reason += " (" + origin.reason + ")";
  }
  machine_.interrupt(reason + "; the rollout no longer owns the weights",
                     weight_share(control_.weights(), machine_.to()));
  persist();
  timer_.cancel();
}

void rollout_engine::arm_timer() {
  if (stopped_ || !is_active(machine_.state())) {
    timer_.cancel();
    return;
  }
  auto now = std::chrono::steady_clock::now();
  auto when = now + sample_period;
  // Wake at the end of a pause rather than up to one period after it.
  if (auto deadline = machine_.next_step_at(); deadline && *deadline > now && *deadline < when) {
    when = *deadline;
  }
  timer_.expires_at(when);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      on_timer();
    }
  });
}

void rollout_engine::on_timer() {
  sample_now();
  arm_timer();
}

void rollout_engine::sample_now() {
  if (!is_active(machine_.state())) {
    return;
  }
  auto now = std::chrono::steady_clock::now();
  auto effect = machine_.on_sample(read_target_counters(control_, machine_.to(), now));
  if (effect.what == rollout_effect::kind::none) {
    return;
  }
  apply(effect, {"rollout", "local", ""}, [](const server::change_result&) {});
}

void rollout_engine::persist() {
  const std::string& path = control_.settings().rollout.state_file;
  if (path.empty()) {
    return;
  }
  const auto now = clocks_now();
  stored_rollout stored;
  stored.snapshot = machine_.snapshot();
  stored.saved_at_ms = epoch_ms(now.wall);
  stored.pause_left_ms = machine_.pause_left(now.steady).count();
  if (auto next = machine_.next_step_at()) {
    stored.next_step_at_ms = epoch_ms(now.to_wall(*next));
  }
  if (auto error = write_file_atomically(path, encode_rollout(stored))) {
    std::cerr << "quikedge: cannot persist the rollout state: " << *error << std::endl;
  }
}

void rollout_engine::restore() {
  const std::string& path = control_.settings().rollout.state_file;
  std::string text;
  std::string error;
  if (path.empty() || !read_whole_file(path, text, error)) {
    if (!error.empty()) {
      std::cerr << "quikedge: rollout state not restored: " << error << std::endl;
    }
    return;
  }
  auto stored = decode_rollout(text, error);
  if (!stored) {
    std::cerr << "quikedge: rollout state in " << path << " ignored: " << error << std::endl;
    return;
  }
  const auto now = clocks_now();
  auto snapshot = stored->snapshot;
  const auto pause_left = pause_left_on_resume(*stored, epoch_ms(now.wall));
  if (is_active(snapshot.state)) {
    snapshot.reason = "resumed after a restart at step " + std::to_string(snapshot.step + 1) +
                      " (" + std::to_string(snapshot.weight) + "%) with " +
                      std::to_string(pause_left.count()) + " ms of its pause left";
  }
  machine_.restore(snapshot, now.steady, pause_left);
  if (!is_active(machine_.state())) {
    return;  // a finished rollout is only shown
  }
  for (const auto* name : {&snapshot.from, &snapshot.to}) {
    if (control_.settings().find_stack(*name) == nullptr) {
      machine_.fail("not resumed after restart: stack \"" + *name + "\" is no longer configured");
      persist();
      return;
    }
  }
  std::cout << "quikedge: rollout " << snapshot.from << " -> " << snapshot.to << " "
            << snapshot.reason << std::endl;
  machine_.on_sample(read_target_counters(control_, snapshot.to, now.steady));
  rollout_effect effect{rollout_effect::kind::set_weights, machine_.weight(), "rollout_restore",
                        snapshot.reason};
  apply(effect, {"rollout", "local", ""}, [](const server::change_result&) {});
  arm_timer();
}

}  // namespace quikedge::rollout
