// How the bench tools read into the proxy's byte_buffer (util/byte_buffer.hpp, part
// of quikedge_http): a fixed-capacity buffer per connection, read into the tail and
// parsed from the head. Worker only, like the connection that owns the buffer.
#pragma once

#include "util/byte_buffer.hpp"

#include <boost/asio/buffer.hpp>

#include <cstddef>

namespace quikedge::bench {

using util::byte_buffer;

// The free space after the data, to read into. The data is moved to the front first
// when less than half of the buffer is left behind it (a partial head or chunk line: a
// short move). Never grows the buffer; empty when it is full.
inline boost::asio::mutable_buffer read_space(byte_buffer& buffer) {
  buffer.prepare(buffer.capacity() / 2, buffer.capacity());
  return {buffer.write_ptr(), buffer.write_space()};
}

[[nodiscard]] inline bool full(const byte_buffer& buffer) {
  return buffer.size() == buffer.capacity();
}

// Enlarges the buffer to `capacity`, keeping the data (a request head larger than the
// default size).
inline void grow(byte_buffer& buffer, std::size_t capacity) {
  if (capacity > buffer.capacity()) {
    buffer.prepare(capacity - buffer.size(), capacity);
  }
}

}  // namespace quikedge::bench
