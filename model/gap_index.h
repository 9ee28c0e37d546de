#pragma once
// The model's own index of free space: the gaps between occupied ranges, in an ordered tree
// whose nodes carry, per subtree, the longest gap and the longest aligned run for small
// alignments. It answers "where is the highest placement of this request below its limit" in
// O(log n) for alignments up to 2^(kTrackedOrders-1) pages and for unaligned requests; larger
// alignments prune by length and check each remaining candidate exactly. Written from the spec's
// arithmetic alone (model/free_space.h), never shared with impl/.
#include <cstdint>
#include <optional>
#include <vector>

#include "model/range.h"
#include "model/request.h"

namespace iovacheck {

class GapIndex {
 public:
  static constexpr unsigned kTrackedOrders = 8;  // alignments 1..128 pages answered exactly from the aggregates

  // Everything free but the anchor's pfn 2^64-1.
  GapIndex();

  // Marks a free range occupied; it must lie inside one gap.
  void occupy(const Range& range);
  // Marks an occupied range free again, merging it with the gaps beside it.
  void release(const Range& range);

  // The highest placement of the request inside [start_pfn, limit] and in free space, exactly
  // what find_fitting_placement answers with every range occupying.
  std::optional<Range> highest_placement(Pfn start_pfn, const Request& request) const;

  // The gap holding pfn, if pfn is free.
  std::optional<Range> gap_holding(Pfn pfn) const;
  std::size_t gap_count() const { return count_; }
  std::size_t bytes() const { return nodes_.capacity() * sizeof(Node); }
  // Every gap ascending (for tests and whole-state checks).
  std::vector<Range> gaps() const;

 private:
  using Index = std::uint32_t;
  static constexpr Index kNone = 0;  // slot 0 is never a gap

  struct Node {
    Pfn lo = 0;
    Pfn hi = 0;
    Index left = kNone;
    Index right = kNone;
    std::uint32_t priority = 0;
    Pfn longest = 0;                      // the subtree's longest gap, in pages
    Pfn aligned_room[kTrackedOrders]{};   // per order k: the most pages from an aligned start to its gap's end
  };

  static Pfn room_from_aligned_start(Pfn lo, Pfn hi, unsigned order);
  bool subtree_may_fit(Index t, Pfn size, unsigned order) const;
  bool gap_may_fit(Index t, Pfn size, unsigned order) const;
  Index rightmost_fitting_below(Index t, Pfn bound, Pfn size, unsigned order) const;
  Index rightmost_fitting(Index t, Pfn size, unsigned order) const;
  Index floor(Pfn pfn) const;  // the gap with the largest lo <= pfn

  void reshape(Pfn lo, const Range& bounds);
  void insert(Pfn lo, Pfn hi);
  void erase(Pfn lo);
  Index insert_below(Index t, Index fresh);
  Index erase_below(Index t, Pfn lo, bool& erased);
  Index make(Pfn lo, Pfn hi);
  void pull(Index t);
  bool pull_changed(Index t);  // pulls; whether the aggregates changed
  void split(Index t, Pfn key, Index& below, Index& rest);  // below: lo < key
  Index merge(Index a, Index b);

  std::vector<Node> nodes_;
  std::vector<Index> free_slots_;
  Index root_ = kNone;
  std::size_t count_ = 0;
  std::uint64_t seed_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace iovacheck
