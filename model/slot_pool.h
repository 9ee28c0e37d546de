#pragma once
// Slots for the nodes of a linked structure, named by 32-bit index, in one array: freed slots are
// reused first, and the array grows by an eighth of itself (at least kMinGrowth slots) instead of
// doubling, so at most about an eighth of it is unused (a doubling vector holds up to half its
// size unused: 236 bytes a range at 10k ranges for an 88-byte node). One array rather than
// fixed-size blocks: a node is reached by one multiply-add, where a block table costs a further
// load on every step of every walk. Below kMinGrowth slots it doubles from kFirstSlots: a model
// of a few ranges (a fuzz execution's, each run of the rule for "known") then holds 16 slots,
// not 65 (5.7 KB of fresh memory a model under ASan). Slot 0 is never handed out, so 0 can
// stand for "none".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace iovacheck {

inline constexpr std::size_t kMinGrowth = 64;
inline constexpr std::size_t kFirstSlots = 16;

// Makes room for one more element by an eighth of the capacity (at least kMinGrowth), not by
// doubling; below kMinGrowth by doubling from kFirstSlots.
template <class T>
void grow_by_an_eighth(std::vector<T>& slots) {
  if (slots.size() < slots.capacity()) return;
  const std::size_t capacity = slots.capacity();
  slots.reserve(capacity + (capacity < kMinGrowth ? std::max(capacity, kFirstSlots) : std::max(capacity / 8, kMinGrowth)));
}

template <class T>
class SlotPool {
 public:
  using Index = std::uint32_t;
  static constexpr Index kNone = 0;

  T& operator[](Index slot) { return slots_[slot]; }
  const T& operator[](Index slot) const { return slots_[slot]; }

  // A slot holding `value`: a freed one if any, else a new one. Throws std::length_error past
  // 2^32 - 1 slots.
  Index acquire(const T& value);
  // Gives the slot back; its value stays readable until the slot is acquired again.
  void release(Index slot) {
    if (free_.capacity() == 0) free_.reserve(kFirstSlots);  // a short run's frees: one allocation, not one per doubling
    free_.push_back(slot);
  }
  // The slot whose value `value` is (an address this pool handed out through operator[]).
  // Throws std::logic_error for any other address.
  Index index_of(const T* value) const;

  // Heap bytes held: the array's capacity and the free list's.
  std::size_t bytes() const { return slots_.capacity() * sizeof(T) + free_.capacity() * sizeof(Index); }

 private:
  std::vector<T> slots_;  // slots_[0] is the unused "none" once anything was acquired
  std::vector<Index> free_;
};

template <class T>
typename SlotPool<T>::Index SlotPool<T>::index_of(const T* value) const {
  // Compared as addresses, not by subtracting pointers, so a stray one is refused, not undefined.
  const auto address = reinterpret_cast<std::uintptr_t>(value);
  const auto first = reinterpret_cast<std::uintptr_t>(slots_.data());
  const std::uintptr_t offset = address - first;
  if (address < first || offset % sizeof(T) != 0 || offset / sizeof(T) == 0 || offset / sizeof(T) >= slots_.size())
    throw std::logic_error("SlotPool::index_of: not the address of a slot");
  return static_cast<Index>(offset / sizeof(T));
}

template <class T>
typename SlotPool<T>::Index SlotPool<T>::acquire(const T& value) {
  static_assert(std::is_trivially_copyable_v<T>, "growing moves the slots as bytes");
  if (!free_.empty()) {
    const Index slot = free_.back();
    free_.pop_back();
    slots_[slot] = value;
    return slot;
  }
  if (slots_.empty()) {
    grow_by_an_eighth(slots_);  // one allocation for slot 0 and the first slots
    slots_.emplace_back();      // slot 0
  }
  if (slots_.size() > Index(-1)) throw std::length_error("SlotPool: more than 2^32 - 1 slots");
  grow_by_an_eighth(slots_);
  slots_.push_back(value);
  return static_cast<Index>(slots_.size() - 1);
}

}  // namespace iovacheck
