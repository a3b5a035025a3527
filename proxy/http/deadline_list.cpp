// Deadline sweep over a worker's sessions.
#include "http/deadline_list.hpp"

namespace quikedge::http {

void deadline_list::expire(clock::time_point now) {
  // on_deadline() may unlink the entry (it never frees it: sessions are kept alive
  // by their pending operations), so remember the successor first.
  for (deadline_entry* entry = head(); entry != nullptr;) {
    deadline_entry* following = entry->next;
    if (entry->deadline <= now) {
      entry->deadline = clock::time_point::max();
      entry->on_deadline();
    }
    entry = following;
  }
}

}  // namespace quikedge::http
