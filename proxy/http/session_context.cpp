// Deadline list and request ids for a worker's sessions.
#include "http/session_context.hpp"

#include <algorithm>

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
    }
    t = following;
  }
}

std::unique_ptr<char[]> buffer_pool::acquire() {
  if (free_.empty()) {
    return std::unique_ptr<char[]>(new char[buffer_size]);
  }
  auto buffer = std::move(free_.back());
  free_.pop_back();
  return buffer;
}

void buffer_pool::release(std::unique_ptr<char[]> buffer) {
  // Keep a modest reserve; a burst of traffic over many tunnels shrinks back.
  if (buffer && free_.size() < 256) {
    free_.push_back(std::move(buffer));
  }
}

request_id_generator::request_id_generator(std::uint64_t seed) {
  state_[0] = seed ^ 0x9e3779b97f4a7c15ULL;
  state_[1] = (seed << 1) ^ 0xbf58476d1ce4e5b9ULL;
  if (state_[0] == 0 && state_[1] == 0) {
    state_[1] = 1;
  }
}

void request_id_generator::next(std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  out.resize(32);
  for (int half = 0; half < 2; ++half) {
    // xorshift128+
    std::uint64_t s1 = state_[0];
    const std::uint64_t s0 = state_[1];
    state_[0] = s0;
    s1 ^= s1 << 23;
    state_[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    std::uint64_t value = state_[1] + s0;
    for (int i = 0; i < 16; ++i) {
      out[static_cast<std::size_t>(half * 16 + i)] = hex[(value >> (60 - 4 * i)) & 0xf];
    }
  }
}

}  // namespace quikedge::http
