// Fixed-capacity read buffer for one connection: read into the tail, parse from the head.
#pragma once

#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace quikedge::bench {

class byte_buffer {
 public:
  // The storage is left uninitialised: untouched pages of an idle connection's buffer then
  // cost no resident memory.
  explicit byte_buffer(std::size_t capacity)
      : data_(std::make_unique_for_overwrite<char[]>(capacity)), capacity_(capacity) {}

  [[nodiscard]] const char* data() const { return data_.get() + begin_; }
  [[nodiscard]] std::size_t size() const { return end_ - begin_; }
  [[nodiscard]] bool empty() const { return begin_ == end_; }
  [[nodiscard]] bool full() const { return size() == capacity_; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] std::string_view view() const { return {data(), size()}; }

  // Drops n bytes from the front. The bytes stay in memory until the next prepare(), so a
  // view taken before consume() stays valid until the connection reads again.
  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      begin_ = end_ = 0;
    }
  }

  void clear() { begin_ = end_ = 0; }

  // Free space after the data; the data is moved to the front first when less than half
  // of the buffer is left behind it (a partial head or chunk line: a short move).
  [[nodiscard]] boost::asio::mutable_buffer prepare() {
    if (begin_ > 0 && capacity_ - end_ < capacity_ / 2) {
      std::memmove(data_.get(), data_.get() + begin_, size());
      end_ -= begin_;
      begin_ = 0;
    }
    return {data_.get() + end_, capacity_ - end_};
  }

  void commit(std::size_t n) { end_ += n; }

  // Enlarges the buffer, keeping the data (a request head larger than the default size).
  void grow(std::size_t new_capacity) {
    if (new_capacity <= capacity_) {
      return;
    }
    auto bigger = std::make_unique_for_overwrite<char[]>(new_capacity);
    std::memcpy(bigger.get(), data(), size());
    end_ = size();
    begin_ = 0;
    data_ = std::move(bigger);
    capacity_ = new_capacity;
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace quikedge::bench
