#pragma once
// A map from pfn to a 32-bit value in one flat table: open addressing, linear probing, at most
// half full, backward-shift deletion (no tombstones, so a table that churns stays fast). For the
// model's and the checker's per-step bookkeeping, where a node container took a heap allocation
// for every entry added.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/range.h"

namespace iovacheck {

class PfnMap {
 public:
  // Sets the value of key, adding the key when it is new.
  void set(Pfn key, std::uint32_t value);
  // The key's value, or nullptr; valid until the next change.
  const std::uint32_t* find(Pfn key) const;
  std::uint32_t* find(Pfn key);
  // Removes the key; nothing when it is absent.
  void erase(Pfn key);
  std::size_t size() const { return count_; }
  std::size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    Pfn key = 0;
    std::uint32_t value = 0;
    bool used = false;
  };
  std::size_t home(Pfn key) const;
  std::size_t position(Pfn key) const;  // the key's slot, or the empty one ending its probe
  void grow();

  std::vector<Slot> slots_;  // a power of two in size, or empty
  std::size_t count_ = 0;
};

}  // namespace iovacheck
