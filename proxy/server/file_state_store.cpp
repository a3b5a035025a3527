// The file backend of the state store.
#include "server/file_state_store.hpp"

#include <boost/json.hpp>

#include <filesystem>

#include "rollout/rollout_store.hpp"
#include "util/log.hpp"

namespace quikedge::server {

std::string file_state_store::path_for(const config& settings) {
  if (!settings.state.file.empty()) {
    return settings.state.file;
  }
  if (!settings.rollout.state_file.empty()) {
    return settings.rollout.state_file;
  }
  if (settings.source_file.empty()) {
    return {};
  }
  std::filesystem::path beside(settings.source_file);
  beside.replace_extension(".state.json");
  return beside.string();
}

file_state_store::file_state_store(std::string path) : path_(std::move(path)) {}

load_result file_state_store::load() {
  load_result result;
  if (path_.empty() || !std::filesystem::exists(path_)) {
    return result;
  }
  std::string text;
  if (!rollout::read_whole_file(path_, text, result.error)) {
    result.error = "state file " + path_ + ": " + result.error;
    return result;
  }
  auto state = live_state::from_json(text);
  if (!state) {
    std::string ignored;
    if (!rollout::decode_rollout(text, ignored)) {
      result.error = "state file " + path_ + " is not a state document";
    }
    return result;  // a bare rollout document: no weights kept yet
  }
  // Drain windows were saved as time left at the last change, which is when
  // the file was written: what has passed since then is gone.
  const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now() - state->changed_at);
  for (auto it = state->drains_left.begin(); it != state->drains_left.end();) {
    it->second -= since;
    it = it->second.count() > 0 ? std::next(it) : state->drains_left.erase(it);
  }
  result.state = std::move(state);
  return result;
}

void file_state_store::commit(live_state next, std::optional<std::uint64_t> expected_version,
                              const change_record& change, commit_fn done) {
  if (expected_version && *expected_version != version_) {
    done({409,
          "version is " + std::to_string(version_) + ", not " + std::to_string(*expected_version)},
         next);
    return;
  }
  next.version = version_ + 1;
  version_ = next.version;
  save(next);  // on disk before anyone hears of the change
  notify(next, change);
  done({200, ""}, next);
}

std::optional<std::string> file_state_store::read_rollout(std::string& error) {
  error.clear();
  std::string text;
  if (path_.empty() || !rollout::read_whole_file(path_, text, error)) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    error = "state file " + path_ + " is not JSON";
    return std::nullopt;
  }
  const auto& root = parsed.as_object();
  if (const auto* doc = root.if_contains("rollout"); doc != nullptr && doc->is_object()) {
    rollout_json_ = boost::json::serialize(*doc);
  } else if (root.contains("plan")) {
    rollout_json_ = text;  // written by rollout.state_file before it was this file
  }
  return rollout_json_;
}

void file_state_store::save_rollout(const live_state& current, std::string rollout_json) {
  rollout_json_ = std::move(rollout_json);
  save(current);
}

void file_state_store::save(const live_state& state) {
  if (path_.empty()) {
    return;
  }
  std::string text = state.to_json();
  if (rollout_json_) {
    boost::system::error_code ec;
    auto root = boost::json::parse(text, ec);
    auto rollout = boost::json::parse(*rollout_json_, ec);
    if (root.is_object() && !ec) {
      root.as_object()["rollout"] = std::move(rollout);
      text = boost::json::serialize(root) + "\n";
    }
  }
  if (auto error = rollout::write_file_atomically(path_, text)) {
    if (!warned_) {
      log::warn("state file: " + *error + "; live weights will not survive a restart");
      warned_ = true;
    }
    return;
  }
  warned_ = false;
}

}  // namespace quikedge::server
