// Per-thread free list of wait-sized handler blocks.
#include "net/wait_allocator.hpp"

#include <array>
#include <new>

namespace quikedge::net::wait_allocator_detail {
namespace {

/// An Asio wait operation with a handler of a few captures is under 200 bytes;
/// larger requests go straight to operator new.
constexpr std::size_t block_bytes = 256;
/// Enough for the waits a worker arms and completes between two reuses; a
/// thread keeps at most 16 KiB here.
constexpr std::size_t kept_blocks = 64;

struct free_list {
  std::array<void*, kept_blocks> blocks{};
  std::size_t count = 0;

  free_list() = default;
  free_list(const free_list&) = delete;
  free_list& operator=(const free_list&) = delete;
  ~free_list() {
    while (count > 0) {
      ::operator delete(blocks[--count]);
    }
  }
};

thread_local free_list kept;

}  // namespace

void* take_block(std::size_t bytes) {
  if (bytes > block_bytes) {
    return ::operator new(bytes);
  }
  if (kept.count > 0) {
    return kept.blocks[--kept.count];
  }
  return ::operator new(block_bytes);
}

void give_back_block(void* block, std::size_t bytes) noexcept {
  if (bytes <= block_bytes && kept.count < kept_blocks) {
    kept.blocks[kept.count++] = block;
    return;
  }
  ::operator delete(block);
}

}  // namespace quikedge::net::wait_allocator_detail
