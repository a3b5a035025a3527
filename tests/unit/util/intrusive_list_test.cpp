// intrusive_list: link at the head, unlink from the head, middle and tail, and
// an unlinked entry left with no neighbours (so a second unlink is harmless to
// the list's links).
#include <gtest/gtest.h>

#include <vector>

#include "util/intrusive_list.hpp"

namespace quikedge::util {
namespace {

struct entry {
  int id = 0;
  entry* prev = nullptr;
  entry* next = nullptr;
};

std::vector<int> ids(const intrusive_list<entry>& list) {
  std::vector<int> out;
  for (entry* e = list.head(); e != nullptr && out.size() < 100; e = e->next) {
    out.push_back(e->id);
  }
  return out;
}

TEST(IntrusiveList, LinksAtTheHead) {
  entry a{1}, b{2}, c{3};
  intrusive_list<entry> list;
  EXPECT_EQ(list.head(), nullptr);
  list.link(a);
  list.link(b);
  list.link(c);
  EXPECT_EQ(ids(list), (std::vector<int>{3, 2, 1}));
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(a.next, nullptr);
  EXPECT_EQ(c.prev, nullptr);
}

TEST(IntrusiveList, UnlinksHeadMiddleAndTail) {
  entry a{1}, b{2}, c{3}, d{4};
  intrusive_list<entry> list;
  for (entry* e : {&a, &b, &c, &d}) {
    list.link(*e);
  }
  list.unlink(c);  // middle
  EXPECT_EQ(ids(list), (std::vector<int>{4, 2, 1}));
  list.unlink(d);  // head
  EXPECT_EQ(ids(list), (std::vector<int>{2, 1}));
  EXPECT_EQ(b.prev, nullptr);
  list.unlink(a);  // tail
  EXPECT_EQ(ids(list), (std::vector<int>{2}));
  EXPECT_EQ(b.next, nullptr);
  list.unlink(b);
  EXPECT_EQ(list.head(), nullptr);
  EXPECT_EQ(list.size(), 0u);
  for (entry* e : {&a, &b, &c, &d}) {
    EXPECT_EQ(e->prev, nullptr);
    EXPECT_EQ(e->next, nullptr);
  }
}

TEST(IntrusiveList, RelinkAfterUnlink) {
  entry a{1}, b{2};
  intrusive_list<entry> list;
  list.link(a);
  list.link(b);
  list.unlink(a);
  list.link(a);
  EXPECT_EQ(ids(list), (std::vector<int>{1, 2}));
  EXPECT_EQ(list.size(), 2u);
}

}  // namespace
}  // namespace quikedge::util
