// Wiring of the rollout engine for one machine or a fleet.
#include "server/rollout_runtime.hpp"

namespace quikedge::server {

rollout_runtime::rollout_runtime(boost::asio::io_context& control_io, control_plane& control,
                                 const config& settings, file_state_store* file) {
  if (settings.state.backend != state_backend::etcd) {
    state_file_ = std::make_unique<state_file_rollout>(*file, control);
    engine_ = std::make_unique<rollout::rollout_engine>(control_io, control, *state_file_, nullptr);
    return;
  }
  etcd_rollout_leadership::hooks hooks;
  hooks.elected = [this] { engine_->lead(); };
  hooks.follow = [this](const std::optional<rollout::stored_rollout>& stored) {
    engine_->follow(stored);
  };
  hooks.local_counters = [&control] {
    rollout::stack_samples samples;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& stack : control.settings().stacks) {
      samples[stack.name] = control.sample_stack(stack.name, now);
    }
    return samples;
  };
  leadership_ = std::make_unique<etcd_rollout_leadership>(control_io, settings, std::move(hooks));
  traffic_ = std::make_unique<rollout::fleet_traffic>(control, leadership_->fleet_counters());
  engine_ = std::make_unique<rollout::rollout_engine>(control_io, *traffic_, *leadership_,
                                                      leadership_.get());
}

void rollout_runtime::start(const std::string& admin_address) {
  engine_->start();
  if (leadership_) {
    leadership_->start(admin_address);
  }
}

void rollout_runtime::stop() {
  engine_->stop();
  if (leadership_) {
    leadership_->stop();
  }
}

}  // namespace quikedge::server
