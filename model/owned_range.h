#pragma once
// A range of the model's state and who holds it.
#include <string>

#include "model/range.h"
#include "model/sut.h"

namespace iovacheck {

// Who holds a range.
struct Owner {
  enum class Kind {
    Allocated,      // by alloc (or a snapshot node): freed with free
    FastAllocated,  // by fast: freed with ffree and the size it was asked for
    Reserved,       // by reserve: never freed
    Cached,         // held by a range cache
    Leaked,         // placed by fast at pfn 0, which alloc_iova_fast reports as failure: nobody's
  };
  Kind kind = Kind::Allocated;
  Pfn requested_size = 0;  // FastAllocated: the caller's size
  Pfn pfn = 0;             // Allocated, FastAllocated: the pfn the allocation returned (a snapshot
                           // node's start; 0 where no one asks); Cached: the pfn in the magazine
  unsigned bin = 0;        // Cached
  CacheSlot slot;          // Cached

  static Owner allocated(Pfn pfn = 0) { return Owner{Kind::Allocated, 0, pfn, 0, {}}; }
  static Owner reserved() { return Owner{Kind::Reserved, 0, 0, 0, {}}; }
  static Owner fast_allocated(Pfn pfn, Pfn requested_size) { return Owner{Kind::FastAllocated, requested_size, pfn, 0, {}}; }
  static Owner cached(Pfn pfn, unsigned bin, CacheSlot slot) { return Owner{Kind::Cached, 0, pfn, bin, slot}; }
  static Owner leaked() { return Owner{Kind::Leaked, 0, 0, 0, {}}; }
  bool is_cached() const { return kind == Kind::Cached; }
  friend bool operator==(const Owner&, const Owner&) = default;
};

struct OwnedRange {
  Range range;
  Owner owner;
  friend bool operator==(const OwnedRange&, const OwnedRange&) = default;
};

// "depot" or "cpu 2", as violations and caller errors name a cache slot.
std::string slot_name(CacheSlot slot);
// The range and its owner: "[0x10, 0x1f] cached pfn 0x10 bin 1 cpu 0".
std::string describe_range(const OwnedRange& owned);

}  // namespace iovacheck
