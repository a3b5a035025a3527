// SPEC 10's file backend: the live routing state (weights, version, who changed
// them, rollback target, drain windows) written atomically on every change and
// read back on start, so a restart never falls back to the config file's
// weights unless those changed. Control thread only.
#pragma once

#include <optional>
#include <string>

#include "quikedge/config.hpp"
#include "server/live_state.hpp"

namespace quikedge::server {

class state_file {
 public:
  /// `state.file`, or CONFIG.state.json beside the config file (quikedge.yaml →
  /// quikedge.state.json); empty for a built-in config (the demo): not persisted.
  static std::string path_for(const config& settings);

  explicit state_file(std::string path);

  /// The saved state, with drain windows shortened by the time since it was
  /// saved; nullopt when there is none (or it is unreadable: logged).
  [[nodiscard]] std::optional<live_state> load() const;

  /// Replaces the file (temp file, fsync, rename) before the change is
  /// answered. A failure is logged and the change stands: serving by the new
  /// weights matters more than remembering them.
  void save(const live_state& state);

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool warned_ = false;  ///< a failing folder is reported once, not per change
};

}  // namespace quikedge::server
