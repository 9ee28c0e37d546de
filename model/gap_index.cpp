#include "model/gap_index.h"

#include <algorithm>
#include <stdexcept>

namespace iovacheck {
namespace {

constexpr Pfn kAnchorPfn = kMaxPfn;  // always occupied by the anchor: no gap ever holds it

// Clips a range to the pfns a gap may hold; nullopt when nothing is left (the anchor's pfn).
std::optional<Range> below_anchor(const Range& range) {
  if (range.lo == kAnchorPfn) return std::nullopt;
  return Range{range.lo, std::min(range.hi, kAnchorPfn - 1)};
}

}  // namespace

GapIndex::GapIndex() : nodes_(1) { insert(0, kAnchorPfn - 1); }

Pfn GapIndex::room_from_aligned_start(Pfn lo, Pfn hi, unsigned order) {
  const Pfn alignment = Pfn{1} << order;
  if (lo > kMaxPfn - (alignment - 1)) return 0;
  const Pfn start = (lo + (alignment - 1)) & ~(alignment - 1);
  return start > hi ? 0 : hi - start + 1;
}

bool GapIndex::subtree_may_fit(Index t, Pfn size, unsigned order) const {
  if (t == kNone) return false;
  return order < kTrackedOrders ? nodes_[t].aligned_room[order] >= size : nodes_[t].longest >= size;
}

bool GapIndex::gap_may_fit(Index t, Pfn size, unsigned order) const {
  const Node& gap = nodes_[t];
  return order < kTrackedOrders ? room_from_aligned_start(gap.lo, gap.hi, order) >= size : gap.hi - gap.lo + 1 >= size;
}

// The highest gap of t's subtree with lo < bound that may fit; kNone when there is none.
GapIndex::Index GapIndex::rightmost_fitting_below(Index t, Pfn bound, Pfn size, unsigned order) const {
  while (t != kNone && nodes_[t].lo >= bound) t = nodes_[t].left;
  if (t == kNone) return kNone;
  if (Index found = rightmost_fitting_below(nodes_[t].right, bound, size, order); found != kNone) return found;
  if (gap_may_fit(t, size, order)) return t;
  return rightmost_fitting(nodes_[t].left, size, order);
}

// The highest gap of t's whole subtree that may fit.
GapIndex::Index GapIndex::rightmost_fitting(Index t, Pfn size, unsigned order) const {
  while (subtree_may_fit(t, size, order)) {
    if (subtree_may_fit(nodes_[t].right, size, order)) {
      t = nodes_[t].right;
    } else if (gap_may_fit(t, size, order)) {
      return t;
    } else {
      t = nodes_[t].left;
    }
  }
  return kNone;
}

GapIndex::Index GapIndex::floor(Pfn pfn) const {
  Index best = kNone;
  for (Index t = root_; t != kNone;) {
    if (nodes_[t].lo <= pfn) {
      best = t;
      t = nodes_[t].right;
    } else {
      t = nodes_[t].left;
    }
  }
  return best;
}

std::optional<Range> GapIndex::highest_placement(Pfn start_pfn, const Request& request) const {
  if (request.size == 0) return std::nullopt;
  const unsigned order = request.aligned ? order_base_2(request.size) : 0;
  // The gap reaching the limit is clipped by it, so it is judged exactly; every lower gap lies
  // wholly below the limit and the aggregates can rule on it.
  Index candidate = floor(request.limit);
  while (candidate != kNone) {
    const Node& gap = nodes_[candidate];
    if (gap.hi < start_pfn) return std::nullopt;
    if (auto placed = highest_placement_in(gap.lo, gap.hi, start_pfn, request)) return placed;
    candidate = rightmost_fitting_below(root_, gap.lo, request.size, order);
  }
  return std::nullopt;
}

std::optional<Range> GapIndex::gap_holding(Pfn pfn) const {
  const Index t = floor(pfn);
  if (t == kNone || nodes_[t].hi < pfn) return std::nullopt;
  return Range{nodes_[t].lo, nodes_[t].hi};
}

std::vector<Range> GapIndex::gaps() const {
  std::vector<Range> result;
  std::vector<Index> stack;
  for (Index t = root_; t != kNone || !stack.empty();) {
    while (t != kNone) {
      stack.push_back(t);
      t = nodes_[t].left;
    }
    t = stack.back();
    stack.pop_back();
    result.push_back(Range{nodes_[t].lo, nodes_[t].hi});
    t = nodes_[t].right;
  }
  return result;
}

// Occupying or freeing a range changes at most one gap's bounds in place (its order among the
// gaps stays), and adds or removes at most one other gap.
void GapIndex::occupy(const Range& range) {
  const auto taken = below_anchor(range);
  if (!taken) return;
  const auto gap = gap_holding(taken->lo);
  if (!gap || gap->hi < taken->hi)
    throw std::logic_error("GapIndex::occupy: " + to_string(*taken) + " is not inside one free gap");
  if (gap->lo < taken->lo) {
    reshape(gap->lo, Range{gap->lo, taken->lo - 1});
    if (taken->hi < gap->hi) insert(taken->hi + 1, gap->hi);
  } else if (taken->hi < gap->hi) {
    reshape(gap->lo, Range{taken->hi + 1, gap->hi});
  } else {
    erase(gap->lo);
  }
}

void GapIndex::release(const Range& range) {
  const auto freed = below_anchor(range);
  if (!freed) return;
  const Index last_below = floor(freed->hi);
  if (gap_holding(freed->lo) || (last_below != kNone && nodes_[last_below].hi >= freed->lo))
    throw std::logic_error("GapIndex::release: " + to_string(*freed) + " is partly free already");
  const std::optional<Range> below = freed->lo > 0 ? gap_holding(freed->lo - 1) : std::nullopt;
  const std::optional<Range> above = freed->hi < kAnchorPfn - 1 ? gap_holding(freed->hi + 1) : std::nullopt;
  if (below && above) {
    erase(above->lo);
    reshape(below->lo, Range{below->lo, above->hi});
  } else if (below) {
    reshape(below->lo, Range{below->lo, freed->hi});
  } else if (above) {
    reshape(above->lo, Range{freed->lo, above->hi});
  } else {
    insert(freed->lo, freed->hi);
  }
}

// Gives the gap starting at `lo` new bounds that keep its place in the order, and refreshes the
// aggregates on its path from the root.
void GapIndex::reshape(Pfn lo, const Range& bounds) {
  Index path[128];
  std::size_t depth = 0;
  Index t = root_;
  while (t != kNone && nodes_[t].lo != lo) {
    if (depth == std::size(path)) throw std::logic_error("GapIndex: the treap is too deep");
    path[depth++] = t;
    t = lo < nodes_[t].lo ? nodes_[t].left : nodes_[t].right;
  }
  if (t == kNone) throw std::logic_error("GapIndex::reshape: no gap starts at " + hex(lo));
  nodes_[t].lo = bounds.lo;
  nodes_[t].hi = bounds.hi;
  pull(t);
  // An ancestor's aggregates depend on its own bounds (unchanged) and its children's aggregates:
  // once one comes out as it was, every one above it does too.
  while (depth > 0 && pull_changed(path[--depth])) {
  }
}

bool GapIndex::pull_changed(Index t) {
  const Node before = nodes_[t];
  pull(t);
  const Node& after = nodes_[t];
  return after.longest != before.longest ||
         !std::equal(std::begin(after.aligned_room), std::end(after.aligned_room), std::begin(before.aligned_room));
}

// ---- The treap ------------------------------------------------------------------------------

GapIndex::Index GapIndex::make(Pfn lo, Pfn hi) {
  seed_ += 0x9e3779b97f4a7c15ull;  // splitmix64: a deterministic priority per node
  std::uint64_t mixed = seed_;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ull;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebull;
  Node node;
  node.lo = lo;
  node.hi = hi;
  node.priority = static_cast<std::uint32_t>(mixed ^ (mixed >> 31));
  Index t;
  if (!free_slots_.empty()) {
    t = free_slots_.back();
    free_slots_.pop_back();
    nodes_[t] = node;
  } else {
    t = static_cast<Index>(nodes_.size());
    if (t == kNone) throw std::length_error("GapIndex: more than 2^32 gaps");
    nodes_.push_back(node);
  }
  pull(t);
  return t;
}

void GapIndex::pull(Index t) {
  Node& node = nodes_[t];
  node.longest = node.hi - node.lo + 1;
  for (unsigned order = 0; order < kTrackedOrders; ++order) node.aligned_room[order] = room_from_aligned_start(node.lo, node.hi, order);
  for (Index child : {node.left, node.right}) {
    if (child == kNone) continue;
    node.longest = std::max(node.longest, nodes_[child].longest);
    for (unsigned order = 0; order < kTrackedOrders; ++order)
      node.aligned_room[order] = std::max(node.aligned_room[order], nodes_[child].aligned_room[order]);
  }
}

void GapIndex::split(Index t, Pfn key, Index& below, Index& rest) {
  if (t == kNone) {
    below = rest = kNone;
    return;
  }
  if (nodes_[t].lo < key) {
    split(nodes_[t].right, key, nodes_[t].right, rest);
    below = t;
  } else {
    split(nodes_[t].left, key, below, nodes_[t].left);
    rest = t;
  }
  pull(t);
}

GapIndex::Index GapIndex::merge(Index a, Index b) {
  if (a == kNone) return b;
  if (b == kNone) return a;
  if (nodes_[a].priority > nodes_[b].priority) {
    nodes_[a].right = merge(nodes_[a].right, b);
    pull(a);
    return a;
  }
  nodes_[b].left = merge(a, nodes_[b].left);
  pull(b);
  return b;
}

// Treap insertion and removal along one path, so only that path's aggregates are recomputed.
void GapIndex::insert(Pfn lo, Pfn hi) {
  root_ = insert_below(root_, make(lo, hi));
  ++count_;
}

GapIndex::Index GapIndex::insert_below(Index t, Index fresh) {
  if (t == kNone) return fresh;
  if (nodes_[fresh].priority > nodes_[t].priority) {
    split(t, nodes_[fresh].lo, nodes_[fresh].left, nodes_[fresh].right);
    pull(fresh);
    return fresh;
  }
  if (nodes_[fresh].lo < nodes_[t].lo) {
    nodes_[t].left = insert_below(nodes_[t].left, fresh);
  } else {
    nodes_[t].right = insert_below(nodes_[t].right, fresh);
  }
  pull(t);
  return t;
}

void GapIndex::erase(Pfn lo) {
  bool erased = false;
  root_ = erase_below(root_, lo, erased);
  if (erased) --count_;
}

GapIndex::Index GapIndex::erase_below(Index t, Pfn lo, bool& erased) {
  if (t == kNone) return kNone;
  if (nodes_[t].lo == lo) {
    const Index joined = merge(nodes_[t].left, nodes_[t].right);
    free_slots_.push_back(t);
    erased = true;
    return joined;
  }
  if (lo < nodes_[t].lo) {
    nodes_[t].left = erase_below(nodes_[t].left, lo, erased);
  } else {
    nodes_[t].right = erase_below(nodes_[t].right, lo, erased);
  }
  pull(t);
  return t;
}

}  // namespace iovacheck
