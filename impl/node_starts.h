#pragma once
// The node set's linked nodes by the pfn each starts at, in a hash table: nearly every pfn the
// allocator is asked about is a node's start (an allocation's result, a free, a cached pfn), and
// this answers those in O(1) where the ordered index takes a dozen dependent loads. Open
// addressing with linear probing, at most half full; an erase shifts the entries after it back,
// so no tombstones build up under churn. Each entry keeps the start beside the node pointer, so a
// probe past another node's entry never reads that node.
#include <bit>
#include <cstddef>
#include <vector>

#include "impl/domain_types.h"

namespace iovacheck::impl {

struct IovaNode;

class NodeStarts {
 public:
  NodeStarts() : entries_(kInitialSlots) {}

  // The node starting at pfn_lo, or nullptr.
  IovaNode* find(Pfn pfn_lo) const {
    for (std::size_t slot = home(pfn_lo);; slot = next(slot)) {
      const Entry& entry = entries_[slot];
      if (!entry.node || entry.pfn_lo == pfn_lo) return entry.node;
    }
  }

  // pfn_lo must not be in the table.
  void insert(Pfn pfn_lo, IovaNode* node) {
    if (2 * (count_ + 1) > entries_.size()) grow();
    place(Entry{pfn_lo, node});
    ++count_;
  }

  // pfn_lo must be in the table.
  void erase(Pfn pfn_lo) {
    std::size_t hole = home(pfn_lo);
    while (entries_[hole].pfn_lo != pfn_lo || !entries_[hole].node) hole = next(hole);
    // Moves back every entry of the run after the hole whose home slot does not lie strictly
    // between the hole and it (cyclically): such an entry would no longer be found past the hole.
    for (std::size_t slot = next(hole); entries_[slot].node; slot = next(slot)) {
      const std::size_t wanted = home(entries_[slot].pfn_lo);
      const bool stays = hole < slot ? hole < wanted && wanted <= slot : hole < wanted || wanted <= slot;
      if (stays) continue;
      entries_[hole] = entries_[slot];
      hole = slot;
    }
    entries_[hole] = Entry{};
    --count_;
  }

  std::size_t size() const { return count_; }

 private:
  struct Entry {
    Pfn pfn_lo = 0;
    IovaNode* node = nullptr;  // nullptr: an empty slot
  };
  static constexpr std::size_t kInitialSlots = 64;

  // Fibonacci hashing: the top bits of pfn_lo times 2^64 / phi, as many as the table has slots.
  std::size_t home(Pfn pfn_lo) const {
    return static_cast<std::size_t>((pfn_lo * 0x9e3779b97f4a7c15ull) >> (64 - std::countr_zero(entries_.size())));
  }
  std::size_t next(std::size_t slot) const { return (slot + 1) & (entries_.size() - 1); }

  void place(const Entry& entry) {
    std::size_t slot = home(entry.pfn_lo);
    while (entries_[slot].node) slot = next(slot);
    entries_[slot] = entry;
  }

  void grow() {
    std::vector<Entry> old(2 * entries_.size());
    old.swap(entries_);
    for (const Entry& entry : old)
      if (entry.node) place(entry);
  }

  std::vector<Entry> entries_;
  std::size_t count_ = 0;
};

}  // namespace iovacheck::impl
