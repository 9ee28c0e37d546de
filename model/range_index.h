#pragma once
// The model's ranges and the free gaps between them, in one ordered tree: a treap keyed by the
// range's start, each node holding a range and the free gap just below it, and per subtree the
// longest gap and the longest aligned run for small alignments. One structure answers both "which
// range holds this pfn" and "where is the highest placement of this request below its limit" in
// O(log n), and a step updates one tree: the node it adds or removes and its successor's gap.
// (The ranges were a std::map and the gaps a second tree; keeping both in step cost two updates
// and two trees' worth of cache misses a step.) Written from the spec's arithmetic alone
// (model/request.h), never shared with impl/.
//
// The per-subtree aggregates serve only highest_placement(), which the model asks when an
// allocation fails; most steps never do. So an update does not recompute them: it marks the
// nodes whose aggregates it invalidated as stale, and with each every ancestor (stale nodes are
// closed upward, so marking stops at the first node already stale), and highest_placement()
// first recomputes exactly the stale ones, children before parents. A query pays for the updates
// since the previous one, each at most its path: O(log n) per update, amortized, as before, and
// nothing for a run of steps that asks none. (Recomputing them along the path on every update
// was a third of the index's cost on long traces.) Not safe for concurrent readers: a query may
// write the aggregates.
//
// Free space is what lies below some range and above the one before it: the model's anchor at
// 2^64-1 is always the highest range, so every free pfn lies in some gap.
#include <cstdint>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <vector>

#include "model/slot_pool.h"
#include "model/owned_range.h"
#include "model/request.h"

namespace iovacheck {

class RangeIndex {
 public:
  static constexpr unsigned kTrackedOrders = 8;  // alignments 1..128 pages answered exactly from the aggregates

  RangeIndex();  // no ranges

  // ---- Ranges
  // A range returned by the lookups below stays at its address until it is erased or a range is
  // inserted (the nodes' array may grow): a step may erase ranges it holds one after another.
  std::size_t size() const { return count_; }
  const OwnedRange* at(Pfn lo) const;        // the range starting at lo
  const OwnedRange* holding(Pfn pfn) const;  // the range holding pfn
  const OwnedRange* first_above(Pfn pfn) const;  // the lowest range starting above pfn
  // The lowest range reaching pfn or above it: the one holding pfn, else the next one up.
  const OwnedRange* first_reaching(Pfn pfn) const;
  // Adds a range; it must lie in free space. Throws std::logic_error otherwise.
  void insert(const OwnedRange& owned);
  // Removes the range starting at lo, merging its pages with the gaps beside it.
  void erase(Pfn lo);
  // Gives the range starting at lo a new owner; its pages stay where they are.
  void set_owner(Pfn lo, const Owner& owner);
  // The same for a range in hand, with no walk: `held` is a range this index returned.
  void set_owner(const OwnedRange& held, const Owner& owner);
  // Calls visit(owned) for every range ascending, until visit returns false.
  template <class Visit>
  void for_each(Visit visit) const;

  // ---- Free space
  // The highest placement of the request inside [start_pfn, limit] and in free space, exactly
  // what find_fitting_placement answers with every range occupying.
  std::optional<Range> highest_placement(Pfn start_pfn, const Request& request) const;
  // The gap holding pfn, if pfn is free.
  std::optional<Range> gap_holding(Pfn pfn) const;
  // Every gap ascending (for tests and whole-state checks).
  std::vector<Range> gaps() const;

  std::size_t bytes() const { return nodes_.bytes() + links_.capacity() * sizeof(Link) + stale_.capacity(); }

 private:
  using Index = std::uint32_t;  // a node's slot in nodes_
  static constexpr Index kNone = 0;  // slot 0 is never a node
  // A treap of up to 2^32 nodes is deeper than this with vanishing probability; checked.
  static constexpr std::size_t kMaxDepth = 128;

  // The subtree's aggregates: per order k < kTrackedOrders, the most pages from a 2^k-aligned
  // start to the end of its gap, over the subtree's gaps. Order 0's is the longest gap. A higher
  // order's falls short of it by less than 2^k (in the gap holding the longest, an aligned start
  // lies fewer than 2^k pages above its bottom, or the gap is shorter than 2^k), so it is kept
  // as that shortfall, one byte per order in one word, exact: 16 bytes where eight 64-bit counts
  // took 64, and combining two subtrees' is a few word operations on all orders at once
  // (range_index.cpp's Aggregate). The aggregates are valid only where the node is not stale
  // (stale_, refresh()), and mutable: a const query refreshes them. The key and the links are
  // apart, in links_ (Link).
  struct Node {  // 72 bytes
    OwnedRange owned;  // first: a range's address is its node's (index_of)
    Pfn gap_lo;   // the free gap below the range is [gap_lo, owned.range.lo - 1]; none when equal
    mutable Pfn longest;  // the subtree's longest gap, in pages: order 0's room
    mutable std::uint64_t shortfalls;  // byte k - 1 for order k in 1..7: longest minus order k's room

    bool has_gap() const { return gap_lo < owned.range.lo; }
    Range gap() const { return Range{gap_lo, owned.range.lo - 1}; }
    Pfn room(unsigned order) const { return order == 0 ? longest : longest - ((shortfalls >> (8 * (order - 1))) & 0xff); }
  };

  // What a walk reads of a node, kept apart from the rest in an array of its own: 16 bytes, four
  // to a cache line, so a walk reads one line a node from an array a sixth the nodes' size. (In
  // one 88-byte node the key and the links lay in two lines: two misses a node on a lookup of
  // a range not used lately, most of a lookup's time in thousands of ranges.)
  struct Link {
    Pfn lo;  // the range's start, the key: owned.range.lo
    Index left;
    Index right;
  };

  static std::uint32_t priority(Index t);  // the treap's heap order, derived from the slot
  static Pfn room_from_aligned_start(Pfn lo, Pfn hi, unsigned order);
  static Pfn gap_room(const Node& node, unsigned order);
  bool subtree_may_fit(Index t, Pfn size, unsigned order) const;
  bool gap_may_fit(Index t, Pfn size, unsigned order) const;
  Index rightmost_fitting_below(Index t, Pfn bound, Pfn size, unsigned order) const;
  Index rightmost_fitting(Index t, Pfn size, unsigned order) const;
  Index floor(Pfn pfn) const;        // the range with the largest lo <= pfn
  Index first_above_index(Pfn pfn) const;  // the range with the smallest lo > pfn
  void neighbours(Pfn pfn, Index& floor, Index& above) const;  // both of the above, in one walk
  Index find(Pfn lo) const;
  Index index_of(const OwnedRange& held) const;  // the node of a range this index returned

  struct Path {  // nodes from the root down
    Index nodes[kMaxDepth];
    std::size_t depth = 0;
  };
  // Records the path down to the range with the smallest lo > key (empty when none) and returns
  // the range with the largest lo <= key (the one starting at key, if any).
  Index walk_to_successor(Pfn key, Path& path) const;
  void set_gap_lo(const Path& to_node, Pfn gap_lo);  // moves the bottom of a range's gap; marks its path stale
  void insert_node(Index fresh);
  Pfn erase_node(Pfn lo);  // unlinks the range starting at lo; returns the bottom of its gap
  Index make(const OwnedRange& owned, Pfn gap_lo);
  void add_link_slot();
  // Marks the last of `depth` nodes from the root down stale, and its ancestors up to the first
  // one already stale (whose ancestors are stale already).
  void mark_stale(const Index* path, std::size_t depth);
  void refresh(Index t) const;  // recomputes the stale aggregates of t's subtree
  void pull(Index t) const;     // recomputes t's aggregates from its gap and its children's
  void split(Index t, Pfn key, Index& below, Index& rest);  // below: lo < key
  Index merge(Index a, Index b);

  SlotPool<Node> nodes_;  // grows by an eighth: little slack
  std::vector<Link> links_;  // links_[t] is node t's, grown with nodes_
  // stale_[t]: node t's aggregates need recomputing, and so do its ancestors'. A byte a node in
  // an array of its own, as a walk's links are: marking a path reads no node.
  mutable std::vector<std::uint8_t> stale_;
  Index root_ = kNone;
  std::size_t count_ = 0;
};

template <class Visit>
void RangeIndex::for_each(Visit visit) const {
  Index stack[kMaxDepth];
  std::size_t depth = 0;
  for (Index t = root_; t != kNone || depth > 0;) {
    while (t != kNone) {
      if (depth == std::size(stack)) throw std::logic_error("RangeIndex: the treap is too deep");
      stack[depth++] = t;
      t = links_[t].left;
    }
    t = stack[--depth];
    if (!visit(nodes_[t].owned)) return;
    t = links_[t].right;
  }
}

}  // namespace iovacheck
