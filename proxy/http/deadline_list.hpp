// The worker's sessions with a deadline, swept a few times a second. Worker only.
#pragma once

#include "http/deadline_entry.hpp"
#include "util/intrusive_list.hpp"

namespace quikedge::http {

class deadline_list : public util::intrusive_list<deadline_entry> {
 public:
  /// Fires every entry whose deadline is before `now`.
  void expire(clock::time_point now);
};

}  // namespace quikedge::http
