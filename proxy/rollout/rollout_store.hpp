// Persistence of a rollout in `rollout.state_file`: a small JSON document,
// replaced atomically (write a temporary file, fsync, rename, fsync the
// directory) so a crash leaves either the old or the new state, never half.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "rollout/rollout_machine.hpp"

namespace quikedge::rollout {

struct stored_rollout {
  rollout_snapshot snapshot;
  std::int64_t saved_at_ms = 0;                 ///< wall clock, ms since the epoch
  std::optional<std::int64_t> next_step_at_ms;  ///< wall clock; progressing only
  std::int64_t pause_left_ms = 0;               ///< at saved_at_ms (frozen when paused)
};

std::string encode_rollout(const stored_rollout& stored);
/// Reads a document written by encode_rollout; checks that it is consistent
/// (known state, valid plan, step in range). nullopt with `error` otherwise.
std::optional<stored_rollout> decode_rollout(const std::string& text, std::string& error);

/// The pause a resumed rollout has left at wall time `now_ms`. A progressing
/// step keeps its wall-clock deadline (time down counts as pause time, but the
/// gates still need a fresh window before it advances); a paused one keeps its
/// frozen remainder. Never more than the step's whole pause.
std::chrono::milliseconds pause_left_on_resume(const stored_rollout& stored, std::int64_t now_ms);

/// Replaces `path` with `text` atomically. Returns an error text on failure.
std::optional<std::string> write_file_atomically(const std::string& path, const std::string& text);
/// Reads `path` into `out`. False with `error` empty when the file does not exist.
bool read_whole_file(const std::string& path, std::string& out, std::string& error);

}  // namespace quikedge::rollout
