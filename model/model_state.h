#pragma once
// The model's state: every range in the tree with its owner, and what is kept beside it so a step
// is judged in O(log n): the free gaps (in the range index, with the ranges), the cached ranges by
// slot. The ranges are the truth; everything else is derived from them and changed only through
// set().
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "model/geometry.h"
#include "model/owned_range.h"
#include "model/pfn_map.h"
#include "model/range_index.h"
#include "model/sut.h"

namespace iovacheck {

// A cached range as its slot lists it: where the range starts and the pfn its magazine holds.
struct CachedStart {
  Pfn lo = 0;
  Pfn pfn = 0;
};

class ModelState {
 public:
  ModelState();  // the anchor alone

  // Every range, and the free gaps between them.
  const RangeIndex& ranges() const { return ranges_; }
  const OwnedRange* at(Pfn lo) const;        // the range starting at lo
  const OwnedRange* holding(Pfn pfn) const;  // the range holding pfn
  // The same, asking the index only when `candidate` (a range of this state, or nullptr) does
  // not hold pfn: ranges are disjoint, so a range holding pfn is the one. A step passes on the
  // ranges it has looked up instead of looking them up again.
  const OwnedRange* holding(Pfn pfn, const OwnedRange* candidate) const;
  // The cached range whose magazine entry is pfn; `candidate` as for holding().
  const OwnedRange* cached(Pfn pfn, const OwnedRange* candidate = nullptr) const;
  std::size_t cached_count(unsigned bin, CacheSlot slot) const { return cached_in(bin, slot).size(); }
  std::size_t cached_total() const { return cached_total_; }
  // The cached ranges in a slot, in no particular order; empty when it holds none.
  std::span<const CachedStart> cached_in(unsigned bin, CacheSlot slot) const;
  // Every cached range's magazine entry, ascending by pfn then slot.
  std::vector<CachedPfn> cached_entries() const;

  // Puts `range` at lo (replacing what started there), or removes what started there.
  void set(Pfn lo, const std::optional<OwnedRange>& range) { set(lo, range, at(lo)); }
  // The same when the range starting at lo now is already in hand: `current` is at(lo).
  void set(Pfn lo, const std::optional<OwnedRange>& range, const OwnedRange* current);
  // Approximate heap bytes of the state and its indexes.
  std::size_t bytes() const;

 private:
  static std::size_t slot_index(unsigned bin, CacheSlot slot);
  void index_owner(const OwnedRange& owned);  // the cache indexes only
  void unindex_owner(const OwnedRange& owned);

  // The range the latest holding() query found. A step asks about the same range from several
  // places (the caller-error check, the rule, the observed cache entries, the checker's names):
  // each after the first is answered without the index. Forgotten on every change (and by a
  // copy, whose index is another), so it never outlives what it points to.
  struct LatestHolder {
    const OwnedRange* range = nullptr;
    LatestHolder() = default;
    LatestHolder(const LatestHolder&) {}
    LatestHolder& operator=(const LatestHolder&) { return range = nullptr, *this; }
  };

  RangeIndex ranges_;
  mutable LatestHolder latest_holder_;
  std::size_t cached_total_ = 0;
  // Per slot (bin, CPU or depot), its cached ranges in a flat list, and each cached range's
  // place in its slot's list by start: adding and removing one is O(1) (the last entry fills
  // the hole), with no node per entry (a std::set per slot took one) and no list shifting
  // (a depot the trim has not cut can hold any number of magazines).
  std::vector<std::vector<CachedStart>> cached_by_slot_;
  PfnMap place_in_slot_;
};

}  // namespace iovacheck
