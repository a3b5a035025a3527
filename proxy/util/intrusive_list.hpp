// A doubly linked list threaded through its elements (they carry prev/next), so
// linking and unlinking never allocate. Single-threaded: a worker owns it.
#pragma once

#include <cstddef>

namespace quikedge::util {

template <class T>
class intrusive_list {
 public:
  void link(T& entry) {
    entry.prev = nullptr;
    entry.next = head_;
    if (head_ != nullptr) {
      head_->prev = &entry;
    }
    head_ = &entry;
    ++size_;
  }

  void unlink(T& entry) {
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

  [[nodiscard]] T* head() const { return head_; }
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  T* head_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace quikedge::util
