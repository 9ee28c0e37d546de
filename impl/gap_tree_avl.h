#pragma once
// The structure under p2/p3 (gap_tree.cpp) and the index of mainline's node set (node_set.h):
// an AVL tree of disjoint nodes keyed by pfn_lo. Each node also stores the length of the free gap
// just below it (from its predecessor's pfn_hi + 1, or from pfn 0 for the lowest node, up to its
// pfn_lo - 1), and each subtree the largest such gap, so a search for the highest usable gap
// skips every subtree whose largest gap is too short. Recursion depth is the tree height
// (~1.44 log2 n). Slots keep their handle for the node's whole life (rotations relink them).
//
// Keys must be distinct. Nodes that overlap (a corrupt allocator's) keep the order by pfn_lo;
// their gap_below then wraps to a huge value, which every gap search treats as one that may fit,
// so a search on a corrupt tree errs towards looking at a node, never towards passing one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "impl/domain.h"

namespace iovacheck::impl::gap_tree_detail {

// What a search may use: gaps at least min_length_minus_one + 1 long (kept as "minus one" so
// that a length of 2^64 can be asked for without overflow) reaching into [window_lo, window_hi].
struct GapQuery {
  Pfn min_length_minus_one = 0;
  Pfn window_lo = 0;
  Pfn window_hi = 0;
};

// The fuzzers build a domain or two of a few dozen nodes per input, under ASan, where every
// allocation records a stack: a tree's storage starts with room for that many instead of doubling.
inline constexpr std::size_t kTypicalTreeNodes = 32;

class GapAvl {
 public:
  using Handle = std::uint32_t;
  static constexpr Handle kEnd = ~Handle{0};

  // Room for `nodes` nodes before the slot vector grows (a small tree then allocates once).
  void reserve(std::size_t nodes) { slots_.reserve(nodes); }

  bool empty() const { return root_ == kEnd; }
  std::size_t size() const { return slots_.size() - free_count_; }
  int height() const { return height_of(root_); }

  Node node(Handle h) const { return Node{slots_[h].lo, slots_[h].hi}; }
  static bool is_end(Handle h) { return h == kEnd; }

  // The node with the largest pfn_lo <= pfn, or kEnd.
  Handle floor(Pfn pfn) const {
    Handle found = kEnd;
    for (Handle h = root_; h != kEnd;) {
      if (slots_[h].lo <= pfn) {
        found = h;
        h = slots_[h].right;
      } else {
        h = slots_[h].left;
      }
    }
    return found;
  }

  // The node holding pfn, or kEnd.
  Handle containing(Pfn pfn) const {
    const Handle h = floor(pfn);
    return h != kEnd && slots_[h].hi >= pfn ? h : kEnd;
  }

  // The node with the smallest pfn_lo >= pfn, or kEnd.
  Handle ceiling(Pfn pfn) const { return lowest_reaching(&Slot::lo, pfn); }

  // The highest node with pfn_lo <= at_most whose gap below is at least min_gap (>= 1) pfns
  // long, or kEnd. Follows the search path of at_most: a node above it leads left; a node at or
  // below it comes after its right subtree (higher keys, some perhaps above at_most) and before
  // its left subtree, which lies wholly below at_most and needs no bound. O(height).
  Handle highest_gap_at_or_below(Pfn at_most, Pfn min_gap) const {
    return highest_gap_at_or_below_in(root_, at_most, min_gap);
  }

  // Calls visit(handle) for every node in ascending order, in O(n).
  template <class Visit>
  void for_each(Visit visit) const {
    Handle path[kMaxHeight];
    int depth = 0;
    for (Handle h = root_; h != kEnd || depth > 0;) {
      if (h != kEnd && depth < kMaxHeight) {
        path[depth++] = h;
        h = slots_[h].left;
        continue;
      }
      h = path[--depth];
      visit(h);
      h = slots_[h].right;
    }
  }

  // The first node with pfn_hi >= pfn (pfn_hi ascends with pfn_lo: nodes are disjoint), or kEnd.
  Handle lowest_ending_at_or_after(Pfn pfn) const { return lowest_reaching(&Slot::hi, pfn); }

  Handle next(Handle h) const {
    const Pfn key = slots_[h].lo;
    Handle found = kEnd;
    for (Handle at = root_; at != kEnd;) {
      if (slots_[at].lo > key) {
        found = at;
        at = slots_[at].left;
      } else {
        at = slots_[at].right;
      }
    }
    return found;
  }

  Handle previous(Handle h) const {
    const Pfn key = slots_[h].lo;
    Handle found = kEnd;
    for (Handle at = root_; at != kEnd;) {
      if (slots_[at].lo < key) {
        found = at;
        at = slots_[at].right;
      } else {
        at = slots_[at].left;
      }
    }
    return found;
  }

  Handle highest() const { return highest_in(root_); }

  // The caller guarantees that node overlaps no node in the tree (its pfn_lo is not taken).
  // One descent: insert_at finds the neighbours and sets both gaps the node changes. With
  // predecessor, also says which node is now just below it (kEnd: none).
  Handle insert(Node node, Handle* predecessor = nullptr) {
    const Handle h = new_slot(node, 0);
    Handle before = kEnd;
    Handle after = kEnd;
    root_ = insert_at(root_, h, before, after);
    if (predecessor) *predecessor = before;
    return h;
  }

  // The successor's gap widens to reach the predecessor. It is set before the node leaves: the
  // successor is an ancestor of h or the heir that takes h's place, so erase_at's way back up
  // recomputes every subtree maximum it counts in.
  void erase(Handle h) {
    const auto [before, after] = neighbours(h);
    if (after != kEnd) slots_[after].gap_below = gap_between(before, after);
    root_ = erase_at(root_, slots_[h].lo);
    slots_[h].left = free_head_;
    free_head_ = h;
    ++free_count_;
  }

  // Lowers pfn_lo in place to new_lo, which the caller guarantees is above the predecessor's
  // pfn_hi. Only this node's gap changes: its successor's gap depends on its pfn_hi.
  void lower_lo(Handle h, Pfn new_lo) {
    slots_[h].lo = new_lo;
    set_gap_below(h, gap_between(previous(h), h));
  }

  // The result of place(gap_lo, gap_hi) for the highest gap where it has one. Visits gaps from
  // the top down and skips every subtree whose largest gap is shorter than the query allows or
  // that lies wholly outside the window. place must return nullopt for gaps it cannot use.
  template <class Place>
  std::optional<Pfn> highest_placement(const GapQuery& query, const Place& place) const {
    return highest_placement_at(root_, query, place);
  }

  // Every structural invariant of this tree; the first that does not hold.
  std::optional<std::string> check() const;

 private:
  struct Slot {
    Pfn lo = 0;
    Pfn hi = 0;
    Pfn gap_below = 0;  // free pfns between the predecessor (or pfn 0) and lo
    Pfn max_gap = 0;    // the largest gap_below in this subtree
    Handle left = kEnd;
    Handle right = kEnd;
    int height = 1;
  };

  // The lowest node whose end (pfn_lo or pfn_hi: both ascend in key order) is at least pfn.
  template <class End>
  Handle lowest_reaching(End end, Pfn pfn) const {
    Handle found = kEnd;
    for (Handle h = root_; h != kEnd;) {
      if (slots_[h].*end >= pfn) {
        found = h;
        h = slots_[h].left;
      } else {
        h = slots_[h].right;
      }
    }
    return found;
  }

  // A balanced tree of 2^32 nodes is at most ~1.44 * 33 high; anything deeper is corruption.
  static constexpr int kMaxHeight = 64;

  int height_of(Handle h) const { return h == kEnd ? 0 : slots_[h].height; }
  Pfn max_gap_of(Handle h) const { return h == kEnd ? 0 : slots_[h].max_gap; }

  Pfn gap_between(Handle before, Handle h) const {
    const Pfn free_from = before == kEnd ? 0 : slots_[before].hi + 1;
    return slots_[h].lo - free_from;
  }

  Handle lowest() const { return lowest_in(root_); }
  Handle lowest_in(Handle h) const {
    while (h != kEnd && slots_[h].left != kEnd) h = slots_[h].left;
    return h;
  }
  Handle highest_in(Handle h) const {
    while (h != kEnd && slots_[h].right != kEnd) h = slots_[h].right;
    return h;
  }

  Handle new_slot(Node node, Pfn gap_below) {
    Slot slot;
    slot.lo = node.pfn_lo;
    slot.hi = node.pfn_hi;
    slot.gap_below = gap_below;
    slot.max_gap = gap_below;
    if (free_head_ != kEnd) {
      const Handle h = free_head_;
      free_head_ = slots_[h].left;
      --free_count_;
      slots_[h] = slot;
      return h;
    }
    slots_.push_back(slot);
    return static_cast<Handle>(slots_.size() - 1);
  }

  void update(Handle h) {
    Slot& s = slots_[h];
    s.height = 1 + std::max(height_of(s.left), height_of(s.right));
    s.max_gap = std::max({s.gap_below, max_gap_of(s.left), max_gap_of(s.right)});
  }

  Handle rotate_left(Handle h) {
    const Handle up = slots_[h].right;
    slots_[h].right = slots_[up].left;
    slots_[up].left = h;
    update(h);
    update(up);
    return up;
  }

  Handle rotate_right(Handle h) {
    const Handle up = slots_[h].left;
    slots_[h].left = slots_[up].right;
    slots_[up].right = h;
    update(h);
    update(up);
    return up;
  }

  Handle rebalance(Handle h) {
    update(h);
    const int balance = height_of(slots_[h].left) - height_of(slots_[h].right);
    if (balance > 1) {
      const Handle l = slots_[h].left;
      if (height_of(slots_[l].left) < height_of(slots_[l].right)) slots_[h].left = rotate_left(l);
      return rotate_right(h);
    }
    if (balance < -1) {
      const Handle r = slots_[h].right;
      if (height_of(slots_[r].right) < height_of(slots_[r].left)) slots_[h].right = rotate_right(r);
      return rotate_left(h);
    }
    return h;
  }

  // A new leaf's neighbours are the last nodes its descent turned left at (after) and right at
  // (before). Its successor is on the path, so the new, shorter gap set below it at the leaf is
  // counted by every subtree maximum rebalance() recomputes on the way back up.
  Handle insert_at(Handle at, Handle h, Handle& before, Handle& after) {
    if (at == kEnd) {
      slots_[h].gap_below = slots_[h].max_gap = gap_between(before, h);
      if (after != kEnd) slots_[after].gap_below = gap_between(h, after);
      return h;
    }
    if (slots_[h].lo < slots_[at].lo) {
      after = at;
      slots_[at].left = insert_at(slots_[at].left, h, before, after);
    } else {
      before = at;
      slots_[at].right = insert_at(slots_[at].right, h, before, after);
    }
    return rebalance(at);
  }

  // h's predecessor and successor: the last nodes the descent to h turned right and left at,
  // unless h has subtrees, whose extreme nodes are closer.
  std::pair<Handle, Handle> neighbours(Handle h) const {
    Handle before = kEnd;
    Handle after = kEnd;
    const Pfn key = slots_[h].lo;
    for (Handle at = root_; at != kEnd && at != h;) {
      if (key < slots_[at].lo) {
        after = at;
        at = slots_[at].left;
      } else {
        before = at;
        at = slots_[at].right;
      }
    }
    if (slots_[h].left != kEnd) before = highest_in(slots_[h].left);
    if (slots_[h].right != kEnd) after = lowest_in(slots_[h].right);
    return {before, after};
  }

  Handle detach_lowest(Handle at, Handle& lowest_out) {
    if (slots_[at].left == kEnd) {
      lowest_out = at;
      return slots_[at].right;
    }
    slots_[at].left = detach_lowest(slots_[at].left, lowest_out);
    return rebalance(at);
  }

  Handle erase_at(Handle at, Pfn key) {
    if (key < slots_[at].lo) {
      slots_[at].left = erase_at(slots_[at].left, key);
    } else if (key > slots_[at].lo) {
      slots_[at].right = erase_at(slots_[at].right, key);
    } else {
      // With a right subtree, its lowest node (the successor) always takes at's place, so that
      // erase() finds the successor on the path rebalanced here.
      const Handle l = slots_[at].left;
      const Handle r = slots_[at].right;
      if (r == kEnd) return l;
      Handle heir = kEnd;
      const Handle rest = detach_lowest(r, heir);
      slots_[heir].left = l;
      slots_[heir].right = rest;
      return rebalance(heir);
    }
    return rebalance(at);
  }

  void set_gap_below(Handle h, Pfn gap) {
    slots_[h].gap_below = gap;
    refresh_path_to(slots_[h].lo);
  }

  // Recomputes the augmentation on the root-to-node path of key, bottom-up.
  void refresh_path_to(Pfn key) {
    Handle path[kMaxHeight];
    int depth = 0;
    for (Handle h = root_; h != kEnd && depth < kMaxHeight;) {
      path[depth++] = h;
      if (key == slots_[h].lo) break;
      h = key < slots_[h].lo ? slots_[h].left : slots_[h].right;
    }
    while (depth > 0) update(path[--depth]);
  }

  Handle highest_gap_at_or_below_in(Handle h, Pfn at_most, Pfn min_gap) const {
    while (h != kEnd && slots_[h].max_gap >= min_gap) {
      const Slot& s = slots_[h];
      if (s.lo > at_most) {
        h = s.left;
        continue;
      }
      if (const Handle found = highest_gap_at_or_below_in(s.right, at_most, min_gap); found != kEnd) return found;
      if (s.gap_below >= min_gap) return h;
      return highest_gap_in(s.left, min_gap);
    }
    return kEnd;
  }

  // The highest node of h's subtree whose gap below is at least min_gap, or kEnd.
  Handle highest_gap_in(Handle h, Pfn min_gap) const {
    while (h != kEnd && slots_[h].max_gap >= min_gap) {
      if (max_gap_of(slots_[h].right) >= min_gap) {
        h = slots_[h].right;
      } else if (slots_[h].gap_below >= min_gap) {
        return h;
      } else {
        h = slots_[h].left;
      }
    }
    return kEnd;
  }

  template <class Place>
  std::optional<Pfn> highest_placement_at(Handle h, const GapQuery& query, const Place& place) const {
    if (h == kEnd) return std::nullopt;
    const Slot& s = slots_[h];
    if (s.max_gap == 0 || s.max_gap - 1 < query.min_length_minus_one) return std::nullopt;
    // Gaps in the right subtree start above s.hi; in the left one they end below this gap.
    if (s.hi < query.window_hi) {
      if (auto found = highest_placement_at(s.right, query, place)) return found;
    }
    const Pfn gap_lo = s.lo - s.gap_below;
    if (s.gap_below != 0 && s.gap_below - 1 >= query.min_length_minus_one) {
      if (auto found = place(gap_lo, s.lo - 1)) return found;
    }
    if (gap_lo > query.window_lo) return highest_placement_at(s.left, query, place);
    return std::nullopt;
  }

  struct SubtreeFacts {
    int height = 0;
    Pfn max_gap = 0;
  };
  std::optional<std::string> check_subtree(Handle h, int depth, std::optional<Pfn>& previous_hi,
                                           std::size_t& visited, SubtreeFacts& facts) const;

  std::vector<Slot> slots_;
  // The slots erase() freed, for new_slot() to reuse, linked through their `left` (a list in the
  // slots themselves rather than a vector of its own: one allocation fewer for every tree).
  Handle free_head_ = kEnd;
  std::size_t free_count_ = 0;
  Handle root_ = kEnd;
};

inline std::optional<std::string> GapAvl::check() const {
  std::optional<Pfn> previous_hi;
  std::size_t visited = 0;
  SubtreeFacts facts;
  if (auto failure = check_subtree(root_, 0, previous_hi, visited, facts)) return failure;
  if (visited != size()) {
    return "gap tree: " + std::to_string(visited) + " nodes reachable but " +
           std::to_string(size()) + " slots in use";
  }
  return std::nullopt;
}

// In-order, so that each node meets its predecessor's pfn_hi.
inline std::optional<std::string> GapAvl::check_subtree(Handle h, int depth,
                                                        std::optional<Pfn>& previous_hi,
                                                        std::size_t& visited,
                                                        SubtreeFacts& facts) const {
  facts = {};
  if (h == kEnd) return std::nullopt;
  if (depth >= kMaxHeight) return "gap tree: deeper than " + std::to_string(kMaxHeight) + " levels";
  if (h >= slots_.size()) return "gap tree: link to slot " + std::to_string(h) + " out of range";
  const Slot& s = slots_[h];
  const auto where = [&s] { return "gap tree node [" + std::to_string(s.lo) + ", " + std::to_string(s.hi) + "]: "; };
  SubtreeFacts left;
  if (auto failure = check_subtree(s.left, depth + 1, previous_hi, visited, left)) return failure;
  ++visited;
  if (s.lo > s.hi) return where() + "pfn_lo above pfn_hi";
  if (previous_hi && *previous_hi >= s.lo) {
    return where() + "overlaps or is out of order after a node ending at " + std::to_string(*previous_hi);
  }
  const Pfn expected_gap = s.lo - (previous_hi ? *previous_hi + 1 : 0);
  if (s.gap_below != expected_gap) {
    return where() + "stored gap_below " + std::to_string(s.gap_below) + ", actual " + std::to_string(expected_gap);
  }
  previous_hi = s.hi;
  SubtreeFacts right;
  if (auto failure = check_subtree(s.right, depth + 1, previous_hi, visited, right)) return failure;
  if (left.height - right.height > 1 || right.height - left.height > 1) {
    return where() + "AVL balance violated (left height " + std::to_string(left.height) + ", right " +
           std::to_string(right.height) + ")";
  }
  facts.height = 1 + std::max(left.height, right.height);
  facts.max_gap = std::max({s.gap_below, left.max_gap, right.max_gap});
  if (s.height != facts.height) {
    return where() + "stored height " + std::to_string(s.height) + ", actual " + std::to_string(facts.height);
  }
  if (s.max_gap != facts.max_gap) {
    return where() + "stored max_gap " + std::to_string(s.max_gap) + ", actual " + std::to_string(facts.max_gap);
  }
  return std::nullopt;
}

}  // namespace iovacheck::impl::gap_tree_detail
