// Deadline list and request ids for a worker's sessions.
#include "http/session_context.hpp"

namespace quikedge::http {

void deadline_list::link(deadline_entry& entry) {
  entry.prev = nullptr;
  entry.next = head_;
  if (head_ != nullptr) {
    head_->prev = &entry;
  }
  head_ = &entry;
  ++size_;
}

void deadline_list::unlink(deadline_entry& entry) {
  if (entry.prev != nullptr) {
    entry.prev->next = entry.next;
  } else if (head_ == &entry) {
    head_ = entry.next;
  }
  if (entry.next != nullptr) {
    entry.next->prev = entry.prev;
  }
  entry.prev = entry.next = nullptr;
  --size_;
}

void deadline_list::expire(clock::time_point now) {
  // on_deadline() may unlink the entry (it never frees it: sessions are kept alive
  // by their pending operations), so remember the successor first.
  for (deadline_entry* entry = head_; entry != nullptr;) {
    deadline_entry* following = entry->next;
    if (entry->deadline <= now) {
      entry->deadline = clock::time_point::max();
      entry->on_deadline();
    }
    entry = following;
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
