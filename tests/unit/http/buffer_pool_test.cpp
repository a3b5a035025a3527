// buffer_pool: lends relay buffers, counts them on the gauge, and keeps only a
// small reserve of those given back.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "http/buffer_pool.hpp"

namespace quikedge::http {
namespace {

TEST(BufferPool, KeepsOnlyASmallReserveOfTheBuffersGivenBack) {
  metrics::counter lent{0};
  buffer_pool pool(lent);
  std::vector<std::unique_ptr<char[]>> taken;
  for (int i = 0; i < 40; ++i) {
    taken.push_back(pool.acquire());
  }
  EXPECT_EQ(lent.load(), 40 * buffer_pool::buffer_size);
  for (auto& buffer : taken) {
    pool.release(std::move(buffer));
  }
  EXPECT_EQ(lent.load(), 0U);
  EXPECT_EQ(pool.kept(), buffer_pool::kept_buffers);

  // A kept buffer is lent again before a new one is made.
  auto again = pool.acquire();
  EXPECT_EQ(pool.kept(), buffer_pool::kept_buffers - 1);
  pool.release(std::move(again));
  pool.release(nullptr);  // ignored
  EXPECT_EQ(pool.kept(), buffer_pool::kept_buffers);
  EXPECT_EQ(lent.load(), 0U);
}

}  // namespace
}  // namespace quikedge::http
