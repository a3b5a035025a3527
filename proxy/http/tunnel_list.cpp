// Drain scheduling and expiry of a worker's WebSocket tunnels.
#include "http/tunnel_list.hpp"

#include <algorithm>

namespace quikedge::http {

void tunnel_list::apply_drains(const routing::routing_table& table, clock::time_point now) {
  for (const auto& stack : table.stacks()) {
    if (stack.drain_finished) {
      // The window is over: no WebSocket of the stack is left (a tunnel whose
      // slot was due in the last sweep period closes now).
      for (tunnel_entry* t = head(); t != nullptr; t = t->next) {
        if (t->stack == stack.id && !t->closing) {
          t->close_at = std::min(t->close_at, now);
        }
      }
      continue;
    }
    if (!stack.draining) {
      if (stack.weight > 0) {
        // Weight raised again: the drain ends and the tunnels stay.
        for (tunnel_entry* t = head(); t != nullptr; t = t->next) {
          if (t->stack == stack.id && !t->closing) {
            t->close_at = clock::time_point::max();
          }
        }
      }
      continue;
    }
    std::size_t unscheduled = 0;
    for (tunnel_entry* t = head(); t != nullptr; t = t->next) {
      unscheduled += t->stack == stack.id && !t->closing && t->close_at == clock::time_point::max();
    }
    if (unscheduled == 0) {
      continue;
    }
    const auto window = stack.drain_until > now ? stack.drain_until - now : clock::duration::zero();
    std::size_t slot = 0;
    for (tunnel_entry* t = head(); t != nullptr; t = t->next) {
      if (t->stack == stack.id && !t->closing && t->close_at == clock::time_point::max()) {
        // Slot i of n closes at (i + 1) / n of the window: evenly spread, the
        // last one at the end, never all at once.
        t->close_at = now + window * static_cast<long>(slot + 1) / static_cast<long>(unscheduled);
        ++slot;
      }
    }
  }
}

void tunnel_list::expire(clock::time_point now) {
  for (tunnel_entry* t = head(); t != nullptr;) {
    tunnel_entry* following = t->next;
    // A tunnel already closing is here again only when its grace ran out.
    if (t->close_at <= now || t->idle_until <= now) {
      t->begin_close();
    } else {
      t->release_idle_buffers();
    }
    t = following;
  }
}

}  // namespace quikedge::http
