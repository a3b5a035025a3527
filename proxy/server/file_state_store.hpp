// The file backend of the state store, for one machine: the routing state is
// written atomically (temp file, fsync, rename) on every change before the
// change is answered, and read back on start, so a restart never falls back to
// the config file's weights unless those changed. Control thread only.
#pragma once

#include <optional>
#include <string>

#include "quikedge/config.hpp"
#include "server/state_store.hpp"

namespace quikedge::server {

class file_state_store final : public state_store {
 public:
  /// `state.file`, or CONFIG.state.json beside the config file (quikedge.yaml →
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

 private:
  void save(const live_state& state);

  std::string path_;
  std::uint64_t version_ = 1;
  bool warned_ = false;  ///< a failing folder is reported once, not per change
};

}  // namespace quikedge::server
