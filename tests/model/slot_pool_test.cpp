// SlotPool: never slot 0, values kept, freed slots reused, growth by an eighth, copies independent.
#include "model/slot_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace iovacheck {
namespace {

struct Value {
  std::uint64_t a;
  std::uint32_t b;
};

TEST(SlotPool, HandsOutDistinctSlotsNeverZeroAndKeepsTheirValues) {
  SlotPool<Value> pool;
  std::set<SlotPool<Value>::Index> slots;
  for (std::uint32_t i = 0; i < 1000; ++i) slots.insert(pool.acquire(Value{i * 3ull, i}));
  EXPECT_EQ(slots.size(), 1000u);
  EXPECT_EQ(slots.count(SlotPool<Value>::kNone), 0u);
  for (const auto slot : slots) EXPECT_EQ(pool[slot].a, pool[slot].b * 3ull);
}

TEST(SlotPool, LeavesAtMostAnEighthUnusedOnceLarge) {
  SlotPool<Value> pool;
  for (std::size_t count = 1; count <= 100'000; ++count) {
    pool.acquire(Value{count, 0});
    if (count < 1000) continue;
    const double used = static_cast<double>((count + 1) * sizeof(Value));  // and slot 0
    ASSERT_LE(static_cast<double>(pool.bytes()), used * 1.126) << count << " slots";
  }
}

TEST(SlotPool, ReusesAReleasedSlotFirst) {
  SlotPool<Value> pool;
  const auto first = pool.acquire(Value{1, 1});
  pool.acquire(Value{2, 2});
  pool.release(first);
  EXPECT_EQ(pool[first].b, 1u);  // readable until reused
  EXPECT_EQ(pool.acquire(Value{3, 3}), first);
  EXPECT_EQ(pool[first].b, 3u);
}

TEST(SlotPool, NamesTheSlotOfAValueAndRefusesOtherAddresses) {
  SlotPool<Value> pool;
  std::vector<SlotPool<Value>::Index> slots;
  for (std::uint32_t i = 0; i < 100; ++i) slots.push_back(pool.acquire(Value{i, i}));
  for (const auto slot : slots) EXPECT_EQ(pool.index_of(&pool[slot]), slot);
  const Value elsewhere{1, 1};
  EXPECT_THROW(pool.index_of(&elsewhere), std::logic_error);
  EXPECT_THROW(pool.index_of(&pool[0]), std::logic_error);  // slot 0 is never a value's
  EXPECT_THROW(pool.index_of(reinterpret_cast<const Value*>(reinterpret_cast<const char*>(&pool[slots[3]]) + 4)), std::logic_error);
}

TEST(SlotPool, ACopyIsIndependent) {
  SlotPool<Value> pool;
  std::vector<SlotPool<Value>::Index> slots;
  for (std::uint32_t i = 0; i < 9; ++i) slots.push_back(pool.acquire(Value{i, i}));
  pool.release(slots[4]);
  SlotPool<Value> copy = pool;
  copy[slots[0]].b = 100;
  EXPECT_EQ(pool[slots[0]].b, 0u);
  EXPECT_EQ(copy.acquire(Value{7, 7}), slots[4]);  // the free list was copied too
}

}  // namespace
}  // namespace iovacheck
