// Append-only audit trail of admin changes: one JSON line per change, flushed to
// disk before the change is acknowledged. Control thread only.
#pragma once

#include <cstdio>
#include <string>

#include "server/state_store.hpp"

namespace quikedge::admin {

class audit_log final : public server::state_observer {
 public:
  audit_log() = default;
  ~audit_log() override;
  audit_log(const audit_log&) = delete;
  audit_log& operator=(const audit_log&) = delete;

  /// Opens `path` for appending; empty path disables the log. Throws on failure.
  void open(const std::string& path);

  /// Writes one line: time, token name, client, action, before, after, reason.
  /// `before`/`after` are JSON documents and are embedded as such.
  void append(const std::string& token_name, const std::string& client, const std::string& action,
              const std::string& before, const std::string& after, const std::string& reason);

  /// One line per committed change, before the change is answered.
  void on_state_committed(const server::live_state& state,
                          const server::change_record& change) override;

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace quikedge::admin
