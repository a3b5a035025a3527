// The rollout of a single machine kept in its state file (SPEC 10: one file,
// rollout.state_file naming the same one): every transition rewrites the file
// with the live routing state beside it, atomically. Control thread only.
#pragma once

#include "rollout/rollout_persistence.hpp"
#include "server/control_plane.hpp"
#include "server/file_state_store.hpp"

namespace quikedge::server {

class state_file_rollout final : public rollout::rollout_persistence {
 public:
  /// Both must outlive this object.
  state_file_rollout(file_state_store& store, const control_plane& control)
      : store_(store), control_(control) {}

  void save(const rollout::stored_rollout& stored) override {
    store_.save_rollout(control_.export_state(), rollout::encode_rollout(stored));
  }
  [[nodiscard]] std::optional<rollout::stored_rollout> load(std::string& error) override {
    auto text = store_.read_rollout(error);
    if (!text) {
      return std::nullopt;
    }
    auto stored = rollout::decode_rollout(*text, error);
    if (!stored) {
      error = "rollout in " + store_.path() + " ignored: " + error;
    }
    return stored;
  }
  [[nodiscard]] std::string describe() const override { return "file " + store_.path(); }

 private:
  file_state_store& store_;
  const control_plane& control_;
};

}  // namespace quikedge::server
