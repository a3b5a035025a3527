// Rollout engine: timers, counter sampling, weight changes, persistence.
#include "rollout/rollout_engine.hpp"

#include <iostream>

#include "rollout/rollout_status.hpp"
#include "rollout/rollout_store.hpp"
#include "server/weight_rules.hpp"

namespace quikedge::rollout {
namespace {

/// How often the target's counters are sampled and the gates re-evaluated:
/// the bound on how late a failing gate or a finished pause is noticed.
constexpr std::chrono::milliseconds sample_period{250};

clock_pair clocks_now() {
  return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()};
}

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::optional<rollout_action> action_from_string(std::string_view verb) {
  if (verb == "pause") {
    return rollout_action::pause;
  }
  if (verb == "resume") {
    return rollout_action::resume;
  }
  if (verb == "promote") {
    return rollout_action::promote;
  }
  if (verb == "abort") {
    return rollout_action::abort;
  }
  return std::nullopt;
}

rollout_engine::rollout_engine(boost::asio::io_context& control_io, traffic_control& traffic,
                               rollout_persistence& persistence,
                               const rollout_leadership* leadership)
    : traffic_(traffic), persistence_(persistence), leadership_(leadership), timer_(control_io) {}

rollout_engine::~rollout_engine() {
  stop();
}

void rollout_engine::start() {
  stopped_ = false;
  if (leadership_ == nullptr) {
    restore("resumed after a restart");
  }
  // In a fleet the leadership calls lead() or follow() once it knows.
}

bool rollout_engine::leads() const {
  return leadership_ == nullptr || leadership_->leading();
}

void rollout_engine::lead() {
  if (stopped_) {
    return;
  }
  restore("taken over by replica " + leadership_->self_id());
}

void rollout_engine::follow(const std::optional<stored_rollout>& stored) {
  timer_.cancel();
  if (!stored) {
    machine_.restore(rollout_snapshot{}, std::chrono::steady_clock::now(),
                     std::chrono::milliseconds(0));
    return;
  }
  const auto now = clocks_now();
  machine_.restore(stored->snapshot, now.steady, pause_left_on_resume(*stored, epoch_ms(now.wall)));
}

std::optional<std::string> rollout_engine::leader_address() const {
  if (leadership_ == nullptr || leadership_->leading()) {
    return std::nullopt;
  }
  auto leader = leadership_->leader();
  return leader ? std::optional<std::string>(leader->address) : std::nullopt;
}

std::optional<std::string> rollout_engine::driving_replica() const {
  return is_active(machine_.state()) ? elected_leader() : std::nullopt;
}

std::optional<std::string> rollout_engine::elected_leader() const {
  if (leadership_ == nullptr) {
    return traffic_.settings().state.etcd.replica_id;
  }
  auto leader = leadership_->leader();
  return leader ? std::optional<std::string>(leader->id) : std::nullopt;
}

namespace {

server::change_result no_leader() {
  return {503,
          "no replica leads rollouts right now (an election is under way or the state store "
          "is unreachable); retry in a few seconds"};
}

}  // namespace

void rollout_engine::stop() {
  stopped_ = true;
  timer_.cancel();
}

std::string rollout_engine::status_json() const {
  return render_status(machine_, clocks_now());
}

std::string rollout_engine::gate_metrics() const {
  return render_gate_metrics(machine_, traffic_.settings().environment);
}

server::weight_map rollout_engine::weights_for(std::uint32_t target_weight) const {
  server::weight_map weights;
  for (const auto& stack : traffic_.settings().stacks) {
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
                           server::done_fn done) {
  if (!leads()) {
    done(no_leader());
    return;
  }
  if (traffic_.settings().find_stack(request.to) == nullptr) {
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
  for (const auto& stack : traffic_.settings().stacks) {
    auto it = traffic_.weights().find(stack.name);
    if (stack.name != request.to && it != traffic_.weights().end() && it->second > most) {
      from = stack.name;
      most = it->second;
    }
  }
  if (from.empty()) {
    done({409, "\"" + request.to + "\" already holds all the weight; nothing to roll out"});
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!traffic_.sample_stack(request.to, now).healthy) {
    done({409, "\"" + request.to + "\" has no healthy endpoint"});
    return;
  }
  auto result = machine_.start(from, request.to, request.plan, now, origin.actor);
  // The baseline: the window holds only requests the rollout sent.
  machine_.on_sample(traffic_.sample_stack(request.to, now));
  apply(result.effect, origin, std::move(done));
  arm_timer();
}

void rollout_engine::act(rollout_action action, const server::change_origin& origin,
                         server::done_fn done) {
  if (!leads()) {
    done(no_leader());
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  action_result result;
  switch (action) {
    case rollout_action::pause:
      result = machine_.pause(now, origin.actor);
      break;
    case rollout_action::resume:
      result = machine_.resume(now, origin.actor);
      break;
    case rollout_action::promote:
      result = machine_.promote(now, origin.actor);
      break;
    case rollout_action::abort:
      result = machine_.abort(now, origin.actor);
      break;
  }
  if (!result.error.empty()) {
    done({result.status, result.error});
    return;
  }
  apply(result.effect, origin, std::move(done));
  arm_timer();
}

void rollout_engine::apply(const rollout_effect& effect, server::change_origin origin,
                           server::done_fn done) {
  persist();
  if (effect.what == rollout_effect::kind::none) {
    done({200, ""});
    return;
  }
  origin.reason = origin.reason.empty() ? effect.reason : origin.reason + "; " + effect.reason;
  // Observers see who made the change: the engine skips its own commits.
  origin.source = server::change_source::rollout;
  if (leadership_ != nullptr) {
    origin.fence = leadership_->fence();
  }
  auto finished = [this, done = std::move(done)](const server::change_result& result) {
    if (result.fenced_out) {
      // Deposed on the way: the successor owns the rollout (and its document),
      // and this replica follows it from the leadership's next beat.
      std::cerr << "quikedge: rollout change not stored: " << result.error << std::endl;
    } else if (!result.error.empty()) {
      std::cerr << "quikedge: rollout change refused: " << result.error << std::endl;
      if (is_active(machine_.state())) {
        machine_.fail("a rollout change was refused: " + result.error);
        persist();
      }
    }
    done(result);
  };
  if (effect.what == rollout_effect::kind::rollback) {
    // A rollback drains the left stack over rollback_drain_timeout.
    traffic_.rollback(machine_.from(), origin, std::move(finished));
  } else {
    traffic_.set_weights(weights_for(effect.target_weight), std::nullopt, origin, effect.action,
                         std::move(finished));
  }
}

void rollout_engine::on_state_committed(const server::live_state& state,
                                        const server::change_record& change) {
  const auto& origin = change.origin;
  if (origin.source == server::change_source::rollout || !is_active(machine_.state()) || !leads()) {
    return;
  }
  if (change.action != "rollback" && change.before == change.after) {
    return;  // e.g. a drain ending or a reload that kept the weights
  }
  std::string reason = "aborted: " + change.action + " by " + origin.actor;
  if (!origin.reason.empty()) {
    reason += " (" + origin.reason + ")";
  }
  machine_.interrupt(reason + "; the rollout no longer owns the weights",
                     server::weight_share(state.weights, machine_.to()));
  persist();
  timer_.cancel();
}

void rollout_engine::arm_timer() {
  if (stopped_ || !is_active(machine_.state()) || !leads()) {
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
  if (!is_active(machine_.state()) || !leads()) {
    return;
  }
  auto now = std::chrono::steady_clock::now();
  auto effect = machine_.on_sample(traffic_.sample_stack(machine_.to(), now));
  if (effect.what == rollout_effect::kind::none) {
    return;
  }
  apply(effect, {"rollout", "local", "", server::change_source::rollout},
        [](const server::change_result&) {});
}

void rollout_engine::persist() {
  if (!leads()) {
    return;  // only the leader writes; a deposed one's last word would be stale
  }
  const auto now = clocks_now();
  stored_rollout stored;
  stored.snapshot = machine_.snapshot();
  stored.saved_at_ms = epoch_ms(now.wall);
  stored.pause_left_ms = machine_.pause_left(now.steady).count();
  if (auto next = machine_.next_step_at()) {
    stored.next_step_at_ms = epoch_ms(now.to_wall(*next));
  }
  persistence_.save(stored);
}

void rollout_engine::restore(const std::string& how) {
  std::string error;
  auto stored = persistence_.load(error);
  if (!stored) {
    if (!error.empty()) {
      std::cerr << "quikedge: rollout state not restored: " << error << std::endl;
    }
    if (leadership_ != nullptr) {
      follow(std::nullopt);  // a new leader with nothing stored shows idle
    }
    return;
  }
  const auto now = clocks_now();
  auto snapshot = stored->snapshot;
  const auto pause_left = pause_left_on_resume(*stored, epoch_ms(now.wall));
  if (is_active(snapshot.state)) {
    snapshot.reason = how + " at step " + std::to_string(snapshot.step + 1) + " (" +
                      std::to_string(snapshot.weight) + "%) with " +
                      std::to_string(pause_left.count()) + " ms of its pause left";
  }
  machine_.restore(snapshot, now.steady, pause_left);
  if (!is_active(machine_.state())) {
    return;  // a finished rollout is only shown
  }
  for (const auto* name : {&snapshot.from, &snapshot.to}) {
    if (traffic_.settings().find_stack(*name) == nullptr) {
      machine_.fail("not resumed after restart: stack \"" + *name + "\" is no longer configured");
      persist();
      return;
    }
  }
  std::cout << "quikedge: rollout " << snapshot.from << " -> " << snapshot.to << " "
            << snapshot.reason << std::endl;
  machine_.on_sample(traffic_.sample_stack(snapshot.to, now.steady));
  rollout_effect effect{rollout_effect::kind::set_weights, machine_.weight(), "rollout_restore",
                        snapshot.reason};
  apply(effect, {"rollout", "local", "", server::change_source::rollout},
        [](const server::change_result&) {});
  arm_timer();
}

}  // namespace quikedge::rollout
