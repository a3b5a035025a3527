// A contiguous read buffer with a readable window [begin, end) that compacts and
// grows in place. Sessions keep one per direction for their whole life, so the
// request path never allocates once a connection is warm.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace quikedge::util {

class byte_buffer {
 public:
  byte_buffer() = default;
  explicit byte_buffer(std::size_t capacity) { reserve(capacity); }

  [[nodiscard]] const char* data() const { return storage_.get() + begin_; }
  [[nodiscard]] char* data() { return storage_.get() + begin_; }
  [[nodiscard]] std::size_t size() const { return end_ - begin_; }
  [[nodiscard]] bool empty() const { return begin_ == end_; }
  [[nodiscard]] std::string_view view() const { return {data(), size()}; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] bool allocated() const { return storage_ != nullptr; }

  /// Free space after the readable window (call prepare() first to make room).
  [[nodiscard]] char* write_ptr() { return storage_.get() + end_; }
  [[nodiscard]] std::size_t write_space() const { return capacity_ - end_; }

  void commit(std::size_t n) { end_ += n; }
  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      begin_ = end_ = 0;
    }
  }
  void clear() { begin_ = end_ = 0; }

  /// Makes at least `min_space` bytes writable, compacting first and growing the
  /// storage only when compaction is not enough. Returns false if that would need
  /// more than `max_capacity` bytes.
  bool prepare(std::size_t min_space, std::size_t max_capacity) {
    if (write_space() >= min_space) {
      return true;
    }
    if (begin_ > 0) {
      std::memmove(storage_.get(), data(), size());
      end_ -= begin_;
      begin_ = 0;
      if (write_space() >= min_space) {
        return true;
      }
    }
    std::size_t wanted = size() + min_space;
    if (wanted > max_capacity) {
      return false;
    }
    std::size_t grown = capacity_ == 0 ? wanted : capacity_;
    while (grown < wanted) {
      grown *= 2;
    }
    if (grown > max_capacity) {
      grown = max_capacity;
    }
    reserve(grown);
    return true;
  }

  /// Drops the storage; used by idle connections so they cost no buffer memory.
  void release() {
    if (empty()) {
      storage_.reset();
      capacity_ = begin_ = end_ = 0;
    }
  }

 private:
  void reserve(std::size_t capacity) {
    std::unique_ptr<char[]> grown(new char[capacity]);
    if (storage_) {
      std::memcpy(grown.get(), data(), size());
    }
    end_ = size();
    begin_ = 0;
    storage_ = std::move(grown);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> storage_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace quikedge::util
