// One element of a worker's deadline list: a session with a deadline. Worker only.
#pragma once

#include "http/session_clock.hpp"

namespace quikedge::http {

/// A session with a deadline. The worker's sweeper walks an intrusive list of
/// these a few times a second instead of arming a timer per request phase.
class deadline_entry {
 public:
  deadline_entry() = default;
  deadline_entry(const deadline_entry&) = delete;
  deadline_entry& operator=(const deadline_entry&) = delete;
  virtual ~deadline_entry() = default;

  /// Called by the sweeper, on the worker thread, once the deadline has passed.
  virtual void on_deadline() = 0;
  /// The process is stopping: close now if idle, else after the current exchange.
  virtual void on_shutdown() {}

  clock::time_point deadline = clock::time_point::max();
  deadline_entry* prev = nullptr;
  deadline_entry* next = nullptr;
};

}  // namespace quikedge::http
