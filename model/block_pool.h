#pragma once
// Slots for the nodes of a linked structure, in fixed-size blocks: growing adds a block instead
// of doubling one array, so the slack is under one block whatever the count (a doubling vector
// holds up to half its size unused, and copies everything at each doubling), and a slot never
// moves. Freed slots are reused first. Slot 0 is never handed out, so 0 can stand for "none".
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

namespace iovacheck {

template <class T, unsigned kBlockBits = 9>
class BlockPool {
 public:
  using Index = std::uint32_t;
  static constexpr Index kNone = 0;
  static constexpr std::size_t kBlockSize = std::size_t{1} << kBlockBits;

  BlockPool() = default;
  BlockPool(const BlockPool& other);
  BlockPool& operator=(const BlockPool& other);
  BlockPool(BlockPool&&) noexcept = default;
  BlockPool& operator=(BlockPool&&) noexcept = default;

  T& operator[](Index slot) { return blocks_[slot >> kBlockBits][slot & (kBlockSize - 1)]; }
  const T& operator[](Index slot) const { return blocks_[slot >> kBlockBits][slot & (kBlockSize - 1)]; }

  // A slot holding `value`: a freed one if any, else the next never used. Throws
  // std::length_error past 2^32 - 1 slots.
  Index acquire(const T& value);
  // Gives the slot back; its value stays readable until the slot is acquired again.
  void release(Index slot) { free_.push_back(slot); }

  // Heap bytes held: the blocks and the free list.
  std::size_t bytes() const { return blocks_.size() * kBlockSize * sizeof(T) + free_.capacity() * sizeof(Index); }

 private:
  // Raw storage: a slot's value is written when it is first acquired, so a fresh block costs no
  // initialization (a model holding a handful of ranges is built for every property case).
  struct Release {
    void operator()(T* block) const { std::allocator<T>().deallocate(block, kBlockSize); }
  };
  using Block = std::unique_ptr<T[], Release>;
  static Block new_block() { return Block(std::allocator<T>().allocate(kBlockSize)); }

  std::vector<Block> blocks_;
  std::vector<Index> free_;
  Index next_ = 1;  // the lowest slot never used; slot 0 is "none"
};

}  // namespace iovacheck
