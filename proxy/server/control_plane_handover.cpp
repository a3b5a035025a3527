// Control plane: the routing state as one record, for the state store and for
// the successor process of a binary upgrade. Control thread only.
#include "server/control_plane.hpp"
#include "server/weight_rules.hpp"
#include "util/log.hpp"

namespace quikedge::server {

live_state control_plane::export_state() const {
  live_state state;
  state.version = version_;
  state.weights = weights_;
  state.file_weights = file_weights_;
  state.changed_at = changed_at_;
  state.changed_by = changed_by_;
  state.stable_stack = stable_stack_;
  state.drains_left = drains_.left(std::chrono::steady_clock::now());
  return state;
}

bool control_plane::restore_from_store() {
  auto loaded = store_.load();
  if (!loaded.error.empty()) {
    log::warn(loaded.error + "; starting from the config file");
  }
  if (!loaded.state) {
    return false;
  }
  import_state(*loaded.state);
  return true;
}

void control_plane::import_state(const live_state& state) {
  // The version goes on from the predecessor's either way: controllers compare
  // it (If-Match) and must never see it go back.
  if (state.file_weights != file_weights_) {
    // The file was edited since the old process read it: its weights are the
    // last change, as on reload.
    version_ = state.version + 1;
    changed_at_ = std::chrono::system_clock::now();
    changed_by_ = "config";
    log::info("upgrade: the config file's weights changed; they replace the live ones");
  } else {
    auto weights = fit_to_stacks(*settings_, state.weights);
    if (!weights) {
      log::warn(
          "upgrade: the handed-over weights leave no configured stack any weight; "
          "using the config file's");
      version_ = state.version + 1;
    } else {
      weights_ = std::move(*weights);
      version_ = state.version;
      changed_at_ = state.changed_at;
      changed_by_ = state.changed_by;
    }
  }
  if (state.stable_stack && settings_->find_stack(*state.stable_stack) != nullptr) {
    stable_stack_ = state.stable_stack;
  }
  drains_.restore(state.drains_left, weights_, std::chrono::steady_clock::now());
  store_.adopt(export_state());
  if (tables_.table()) {
    install_table([](change_result) {});
  }
}

}  // namespace quikedge::server
