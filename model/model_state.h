#pragma once
// The model's state: every range in the tree with its owner, and what is kept beside it so a step
// is judged in O(log n): the free gaps (in the range index, with the ranges), the cached ranges by
// slot. The ranges are the truth; everything else is derived from them and changed only through
// set().
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "model/geometry.h"
#include "model/owned_range.h"
#include "model/range_index.h"
#include "model/sut.h"

namespace iovacheck {

// A range cache's slot for one size bin: a CPU's magazines or the depot.
using BinSlot = std::pair<unsigned, unsigned>;  // (bin, cpu or CacheSlot::kDepot)

class ModelState {
 public:
  ModelState();  // the anchor alone

  // Every range, and the free gaps between them.
  const RangeIndex& ranges() const { return ranges_; }
  const OwnedRange* at(Pfn lo) const;        // the range starting at lo
  const OwnedRange* holding(Pfn pfn) const;  // the range holding pfn
  const OwnedRange* cached(Pfn pfn) const;   // the cached range whose magazine entry is pfn
  std::size_t cached_count(unsigned bin, CacheSlot slot) const;
  std::size_t cached_total() const { return cached_total_; }
  // The starts of the cached ranges in a slot, ascending; empty when it holds none.
  const std::set<Pfn>& cached_in(unsigned bin, CacheSlot slot) const;
  // Every cached range's magazine entry, ascending by pfn then slot.
  std::vector<CachedPfn> cached_entries() const;

  // Puts `range` at lo (replacing what started there), or removes what started there.
  void set(Pfn lo, const std::optional<OwnedRange>& range);
  // Approximate heap bytes of the state and its indexes.
  std::size_t bytes() const;

 private:
  void index_owner(const OwnedRange& owned);  // the cache indexes only
  void unindex_owner(const OwnedRange& owned);

  RangeIndex ranges_;
  std::size_t cached_total_ = 0;
  std::map<BinSlot, std::set<Pfn>> cached_by_slot_;
};

}  // namespace iovacheck
