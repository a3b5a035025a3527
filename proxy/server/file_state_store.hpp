// The file backend of the state store, for one machine: the routing state is
// written atomically (temp file, fsync, rename) on every change before the
// change is answered, and read back on start, so a restart never falls back to
// the config file's weights unless those changed. The rollout lives in the same
// file (its "rollout" member, see state_file_rollout), so one file is the whole
// memory of the process. Control thread only.
#pragma once

#include <optional>
#include <string>

#include "quikedge/config.hpp"
#include "server/state_store.hpp"

namespace quikedge::server {

class file_state_store final : public state_store {
 public:
  /// `state.file`, else `rollout.state_file` (it names the same file), else
  /// CONFIG.state.json beside the config file (quikedge.yaml →
  /// quikedge.state.json); empty for a built-in config (the demo): not persisted.
  static std::string path_for(const config& settings);

  /// An empty `path` keeps the state in memory only.
  explicit file_state_store(std::string path);

  [[nodiscard]] std::string_view backend() const override { return "file"; }

  /// The saved state, with drain windows shortened by the time since it was
  /// saved. No file: nothing stored, no error.
  [[nodiscard]] load_result load() override;
  void adopt(const live_state& state) override { version_ = state.version; }
  /// A write that fails is logged (once per failing streak) and the change
  /// stands: serving by the new weights matters more than remembering them.
  void commit(live_state next, std::optional<std::uint64_t> expected_version,
              const change_record& change, commit_fn done) override;
  [[nodiscard]] std::uint64_t version() const override { return version_; }
  [[nodiscard]] bool available() const override { return true; }

  [[nodiscard]] const std::string& path() const { return path_; }

  /// The rollout document kept in the file, read from disk (a successor that
  /// took the state over a hand-over never load()s). A file written before the
  /// two were one (a bare rollout document) is read as such.
  [[nodiscard]] std::optional<std::string> read_rollout(std::string& error);
  /// Replaces the rollout document and writes the file with `current`.
  void save_rollout(const live_state& current, std::string rollout_json);

 private:
  void save(const live_state& state);

  std::string path_;
  std::uint64_t version_ = 1;
  std::optional<std::string> rollout_json_;  ///< written beside the state as "rollout"
  bool warned_ = false;                      ///< a failing folder is reported once, not per change
};

}  // namespace quikedge::server
