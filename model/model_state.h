#pragma once
// The model's state: every range in the tree with its owner, and the indexes kept beside it so a
// step is judged in O(log n): the free gaps, the cached ranges by pfn and by slot. The ranges are
// the truth; every index is derived from them and changed only through set().
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/gap_index.h"
#include "model/geometry.h"
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
  Pfn pfn = 0;             // FastAllocated: the pfn fast returned; Cached: the pfn in the magazine
  unsigned bin = 0;        // Cached
  CacheSlot slot;          // Cached

  static Owner allocated() { return Owner{Kind::Allocated, 0, 0, 0, {}}; }
  static Owner reserved() { return Owner{Kind::Reserved, 0, 0, 0, {}}; }
  static Owner fast_allocated(Pfn pfn, Pfn requested_size) { return Owner{Kind::FastAllocated, requested_size, pfn, 0, {}}; }
  static Owner cached(Pfn pfn, unsigned bin, CacheSlot slot) { return Owner{Kind::Cached, 0, pfn, bin, slot}; }
  static Owner leaked() { return Owner{Kind::Leaked, 0, 0, 0, {}}; }
  bool is_cached() const { return kind == Kind::Cached; }
};

struct OwnedRange {
  Range range;
  Owner owner;
};

// A range cache's slot for one size bin: a CPU's magazines or the depot.
using BinSlot = std::pair<unsigned, unsigned>;  // (bin, cpu or CacheSlot::kDepot)

class ModelState {
 public:
  ModelState();  // the anchor alone

  const std::map<Pfn, OwnedRange>& ranges() const { return ranges_; }  // keyed by range.lo
  const GapIndex& gaps() const { return gaps_; }
  const OwnedRange* at(Pfn lo) const;        // the range starting at lo
  const OwnedRange* holding(Pfn pfn) const;  // the range holding pfn
  const OwnedRange* cached(Pfn pfn) const;   // the cached range whose magazine entry is pfn
  std::size_t cached_count(unsigned bin, CacheSlot slot) const;
  std::size_t cached_total() const { return cached_by_pfn_.size(); }
  // The starts of the cached ranges in a slot, ascending; empty when it holds none.
  const std::set<Pfn>& cached_in(unsigned bin, CacheSlot slot) const;
  // Every cached range's magazine entry, ascending by pfn then slot.
  std::vector<CachedPfn> cached_entries() const;

  // Puts `range` at lo (replacing what started there), or removes what started there.
  void set(Pfn lo, const std::optional<OwnedRange>& range);
  // Approximate heap bytes of the state and its indexes.
  std::size_t bytes() const;

 private:
  void index(const OwnedRange& owned);
  void unindex(const OwnedRange& owned);
  void index_owner(const OwnedRange& owned);  // the cache indexes only
  void unindex_owner(const OwnedRange& owned);

  std::map<Pfn, OwnedRange> ranges_;
  GapIndex gaps_;
  std::unordered_map<Pfn, Pfn> cached_by_pfn_;  // magazine pfn -> range lo
  std::map<BinSlot, std::set<Pfn>> cached_by_slot_;
};

}  // namespace iovacheck
