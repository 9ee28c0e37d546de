// BlockPool: slots in fixed-size blocks, never slot 0, freed slots reused, copies independent.
#include "model/block_pool.hpp"

#include <gtest/gtest.h>

#include <set>

namespace iovacheck {
namespace {

struct Value {
  std::uint64_t a;
  std::uint32_t b;
};

using SmallPool = BlockPool<Value, 2>;  // four slots a block, so a few values cross blocks

TEST(BlockPool, HandsOutDistinctSlotsNeverZeroAndKeepsTheirValues) {
  SmallPool pool;
  std::set<SmallPool::Index> slots;
  for (std::uint32_t i = 0; i < 10; ++i) slots.insert(pool.acquire(Value{i * 3ull, i}));
  EXPECT_EQ(slots.size(), 10u);
  EXPECT_EQ(slots.count(SmallPool::kNone), 0u);
  for (const SmallPool::Index slot : slots) EXPECT_EQ(pool[slot].a, pool[slot].b * 3ull);
}

TEST(BlockPool, GrowsABlockAtATime) {
  SmallPool pool;
  EXPECT_EQ(pool.bytes(), 0u);
  pool.acquire(Value{1, 1});  // slot 1: the first block
  const std::size_t block = SmallPool::kBlockSize * sizeof(Value);
  EXPECT_EQ(pool.bytes(), block);
  for (int i = 0; i < 3; ++i) pool.acquire(Value{2, 2});  // slots 2, 3, then 4 opens the second
  EXPECT_EQ(pool.bytes(), 2 * block);
}

TEST(BlockPool, ReusesAReleasedSlotFirst) {
  SmallPool pool;
  const auto first = pool.acquire(Value{1, 1});
  pool.acquire(Value{2, 2});
  pool.release(first);
  EXPECT_EQ(pool.acquire(Value{3, 3}), first);
  EXPECT_EQ(pool[first].b, 3u);
}

TEST(BlockPool, ACopyIsIndependent) {
  SmallPool pool;
  std::vector<SmallPool::Index> slots;
  for (std::uint32_t i = 0; i < 9; ++i) slots.push_back(pool.acquire(Value{i, i}));
  pool.release(slots[4]);
  SmallPool copy = pool;
  copy[slots[0]].b = 100;
  EXPECT_EQ(pool[slots[0]].b, 0u);
  for (std::size_t i = 1; i < slots.size(); ++i) {
    if (i == 4) continue;  // released
    EXPECT_EQ(copy[slots[i]].b, i);
  }
  EXPECT_EQ(copy.acquire(Value{7, 7}), slots[4]);  // the free list was copied too
  SmallPool assigned;
  assigned = copy;
  EXPECT_EQ(assigned[slots[4]].b, 7u);
}

}  // namespace
}  // namespace iovacheck
