// The file backend of the live routing state.
#include "server/state_file.hpp"

#include <filesystem>

#include "rollout/rollout_store.hpp"
#include "util/log.hpp"

namespace quikedge::server {

std::string state_file::path_for(const config& settings) {
  if (!settings.state.file.empty()) {
    return settings.state.file;
  }
  if (settings.source_file.empty()) {
    return {};
  }
  std::filesystem::path beside(settings.source_file);
  beside.replace_extension(".state.json");
  return beside.string();
}

state_file::state_file(std::string path) : path_(std::move(path)) {}

std::optional<live_state> state_file::load() const {
  if (path_.empty() || !std::filesystem::exists(path_)) {
    return std::nullopt;
  }
  std::string text;
  std::string error;
  if (!rollout::read_whole_file(path_, text, error)) {
    log::warn("state file " + path_ + ": " + error + "; starting from the config file");
    return std::nullopt;
  }
  auto state = live_state::from_json(text);
  if (!state) {
    log::warn("state file " + path_ + " is not a state document; starting from the config file");
    return std::nullopt;
  }
  // Drain windows were saved as time left at the last change, which is when
  // the file was written: what has passed since then is gone.
  const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now() - state->changed_at);
  for (auto it = state->drains_left.begin(); it != state->drains_left.end();) {
    it->second -= since;
    it = it->second.count() > 0 ? std::next(it) : state->drains_left.erase(it);
  }
  return state;
}

void state_file::save(const live_state& state) {
  if (path_.empty()) {
    return;
  }
  if (auto error = rollout::write_file_atomically(path_, state.to_json())) {
    if (!warned_) {
      log::warn("state file: " + *error + "; live weights will not survive a restart");
      warned_ = true;
    }
    return;
  }
  warned_ = false;
}

}  // namespace quikedge::server
