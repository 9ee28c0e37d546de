#include "model/range_index.h"

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <type_traits>

namespace iovacheck {

namespace {

// A subtree's aggregates (RangeIndex::Node): the longest gap, and per order k in 1..7 in byte
// k - 1 of one word how far order k's room falls short of it (less than 2^k, so under 128: every
// byte keeps its top bit clear, which the word-wide arithmetic below relies on).
struct Aggregate {
  Pfn longest = 0;
  std::uint64_t shortfalls = 0;

  static constexpr std::uint64_t kOnes = 0x0001010101010101ull;       // one in each order's byte
  static constexpr std::uint64_t kTopBits = 0x80 * kOnes;
  static constexpr std::uint64_t kOrderMasks = 0x007f3f1f0f070301ull;  // 2^k - 1 in byte k - 1

  // Per byte, the smaller of two words whose bytes are all under 128: x | 0x80 - y keeps its top
  // bit exactly when x >= y, and never borrows from the next byte.
  static std::uint64_t min_bytes(std::uint64_t x, std::uint64_t y) {
    const std::uint64_t x_at_least_y = (((x | kTopBits) - y) & kTopBits) >> 7;
    const std::uint64_t take_y = x_at_least_y * 0xff;
    return (y & take_y) | (x & ~take_y);
  }
  // Per byte, min(byte + add, 127), for bytes and add under 128 (the sum fits its byte).
  static std::uint64_t add_capped(std::uint64_t x, std::uint64_t add) {
    const std::uint64_t sum = x + add * kOnes;
    const std::uint64_t over = ((sum & kTopBits) >> 7) * 0x7f;
    return (sum | over) & (0x7f * kOnes);
  }

  // One gap of `length` pages from `lo`: an aligned start lies (-lo) mod 2^k pages above lo, so
  // order k's room falls short by that, or by the whole gap when no aligned start lies in it
  // (also when rounding lo up would pass 2^64: then (-lo) mod 2^k >= length).
  static Aggregate of_gap(Pfn lo, Pfn length) {
    const std::uint64_t to_aligned = ((0 - lo) & 0x7f) * kOnes & kOrderMasks;
    return {length, min_bytes(to_aligned, std::min<Pfn>(length, 0x7f) * kOnes)};
  }
  // Both subtrees' gaps: per order the larger room. Taking the longer's longest, the other's
  // shortfalls grow by the difference of the two longest (capped: past 127 the other loses).
  static Aggregate combine(Aggregate a, Aggregate b) {
    if (a.longest < b.longest) std::swap(a, b);
    const Pfn behind = std::min<Pfn>(a.longest - b.longest, 0x7f);
    return {a.longest, min_bytes(a.shortfalls, add_capped(b.shortfalls, behind))};
  }
};

}  // namespace

RangeIndex::RangeIndex() = default;

// ---- Ranges ---------------------------------------------------------------------------------

RangeIndex::Index RangeIndex::find(Pfn lo) const {
  Index t = root_;
  while (t != kNone && links_[t].lo != lo) t = lo < links_[t].lo ? links_[t].left : links_[t].right;
  return t;
}

RangeIndex::Index RangeIndex::floor(Pfn pfn) const {
  Index best = kNone;
  for (Index t = root_; t != kNone;) {
    if (links_[t].lo <= pfn) {
      best = t;
      t = links_[t].right;
    } else {
      t = links_[t].left;
    }
  }
  return best;
}

void RangeIndex::neighbours(Pfn pfn, Index& floor, Index& above) const {
  floor = above = kNone;
  for (Index t = root_; t != kNone;) {
    if (links_[t].lo <= pfn) {
      floor = t;
      t = links_[t].right;
    } else {
      above = t;
      t = links_[t].left;
    }
  }
}

RangeIndex::Index RangeIndex::first_above_index(Pfn pfn) const {
  Index best = kNone;
  for (Index t = root_; t != kNone;) {
    if (links_[t].lo > pfn) {
      best = t;
      t = links_[t].left;
    } else {
      t = links_[t].right;
    }
  }
  return best;
}

const OwnedRange* RangeIndex::at(Pfn lo) const {
  const Index t = find(lo);
  return t == kNone ? nullptr : &nodes_[t].owned;
}

const OwnedRange* RangeIndex::holding(Pfn pfn) const {
  const Index t = floor(pfn);
  return t != kNone && nodes_[t].owned.range.hi >= pfn ? &nodes_[t].owned : nullptr;
}

const OwnedRange* RangeIndex::first_above(Pfn pfn) const {
  const Index t = first_above_index(pfn);
  return t == kNone ? nullptr : &nodes_[t].owned;
}

const OwnedRange* RangeIndex::first_reaching(Pfn pfn) const {
  Index floor, above;
  neighbours(pfn, floor, above);
  if (floor != kNone && nodes_[floor].owned.range.hi >= pfn) return &nodes_[floor].owned;
  return above == kNone ? nullptr : &nodes_[above].owned;
}

// The new range takes the lower part of its successor's gap: the successor's gap now starts
// above the new range, and the new range's gap is what was left below it.
void RangeIndex::insert(const OwnedRange& owned) {
  const Range& range = owned.range;
  Path to_above;
  const Index below = walk_to_successor(range.lo, to_above);
  const Index above = to_above.depth == 0 ? kNone : to_above.nodes[to_above.depth - 1];
  const Pfn free_from = below == kNone ? 0 : nodes_[below].owned.range.hi + 1;
  const bool fits = (below == kNone || (nodes_[below].owned.range.hi < range.lo)) &&
                    (above == kNone || range.hi < links_[above].lo);
  if (!fits) throw std::logic_error("RangeIndex::insert: " + to_string(range) + " is not inside free space");
  if (above != kNone) set_gap_lo(to_above, range.hi + 1);
  insert_node(make(owned, free_from));
  ++count_;
}

// The successor's gap grows down over the range and the gap below it.
void RangeIndex::erase(Pfn lo) {
  const Pfn gap_lo = erase_node(lo);
  --count_;
  Path to_above;
  walk_to_successor(lo, to_above);
  if (to_above.depth > 0) set_gap_lo(to_above, gap_lo);
}

void RangeIndex::set_owner(Pfn lo, const Owner& owner) {
  const Index t = find(lo);
  if (t == kNone) throw std::logic_error("RangeIndex::set_owner: no range starts at " + hex(lo));
  nodes_[t].owned.owner = owner;
}

void RangeIndex::set_owner(const OwnedRange& held, const Owner& owner) { nodes_[index_of(held)].owned.owner = owner; }

RangeIndex::Index RangeIndex::index_of(const OwnedRange& held) const {
  static_assert(std::is_standard_layout_v<Node> && offsetof(Node, owned) == 0, "a range's address is its node's");
  return nodes_.index_of(reinterpret_cast<const Node*>(&held));
}

// ---- Free space -----------------------------------------------------------------------------

Pfn RangeIndex::room_from_aligned_start(Pfn lo, Pfn hi, unsigned order) {
  const Pfn alignment = Pfn{1} << order;
  if (lo > kMaxPfn - (alignment - 1)) return 0;
  const Pfn start = (lo + (alignment - 1)) & ~(alignment - 1);
  return start > hi ? 0 : hi - start + 1;
}

Pfn RangeIndex::gap_room(const Node& node, unsigned order) {
  return node.has_gap() ? room_from_aligned_start(node.gap_lo, node.owned.range.lo - 1, order) : 0;
}

bool RangeIndex::subtree_may_fit(Index t, Pfn size, unsigned order) const {
  if (t == kNone) return false;
  return nodes_[t].room(order < kTrackedOrders ? order : 0) >= size;
}

bool RangeIndex::gap_may_fit(Index t, Pfn size, unsigned order) const {
  const Node& node = nodes_[t];
  return order < kTrackedOrders ? gap_room(node, order) >= size : node.owned.range.lo - node.gap_lo >= size;
}

// The highest gap of t's subtree below a range with lo < bound that may fit; kNone when none.
RangeIndex::Index RangeIndex::rightmost_fitting_below(Index t, Pfn bound, Pfn size, unsigned order) const {
  while (t != kNone && links_[t].lo >= bound) t = links_[t].left;
  if (t == kNone) return kNone;
  if (Index found = rightmost_fitting_below(links_[t].right, bound, size, order); found != kNone) return found;
  if (gap_may_fit(t, size, order)) return t;
  return rightmost_fitting(links_[t].left, size, order);
}

// The highest gap of t's whole subtree that may fit.
RangeIndex::Index RangeIndex::rightmost_fitting(Index t, Pfn size, unsigned order) const {
  while (subtree_may_fit(t, size, order)) {
    if (subtree_may_fit(links_[t].right, size, order)) {
      t = links_[t].right;
    } else if (gap_may_fit(t, size, order)) {
      return t;
    } else {
      t = links_[t].left;
    }
  }
  return kNone;
}

std::optional<Range> RangeIndex::highest_placement(Pfn start_pfn, const Request& request) const {
  if (request.size == 0) return std::nullopt;
  refresh(root_);
  const unsigned order = request.aligned ? order_base_2(request.size) : 0;
  // The gap reaching the limit (below the first range starting above it) is clipped by the
  // limit, so it is judged exactly; every lower gap lies wholly below the limit and the
  // aggregates can rule on it.
  Index candidate = first_above_index(request.limit);
  if (candidate == kNone) candidate = rightmost_fitting(root_, request.size, order);
  while (candidate != kNone) {
    const Node& node = nodes_[candidate];
    if (node.owned.range.lo <= start_pfn) return std::nullopt;  // its gap and every lower one lie below start_pfn
    if (node.has_gap()) {
      const Range gap = node.gap();
      if (auto placed = highest_placement_in(gap.lo, gap.hi, start_pfn, request)) return placed;
    }
    candidate = rightmost_fitting_below(root_, node.owned.range.lo, request.size, order);
  }
  return std::nullopt;
}

std::optional<Range> RangeIndex::gap_holding(Pfn pfn) const {
  const Index t = first_above_index(pfn);
  if (t == kNone || nodes_[t].gap_lo > pfn) return std::nullopt;
  return nodes_[t].gap();
}

std::vector<Range> RangeIndex::gaps() const {
  std::vector<Range> result;
  for_each([&](const OwnedRange& owned) {
    const Node& node = nodes_[find(owned.range.lo)];
    if (node.has_gap()) result.push_back(node.gap());
    return true;
  });
  return result;
}

// The walk toward a key no range starts at passes both its neighbours: the floor where it last
// turned right, the successor where it last turned left. Keeping the path down to the successor
// lets insert and erase move the successor's gap without walking to it again.
RangeIndex::Index RangeIndex::walk_to_successor(Pfn key, Path& path) const {
  Index floor = kNone;
  std::size_t depth = 0;
  path.depth = 0;
  for (Index t = root_; t != kNone;) {
    if (depth == kMaxDepth) throw std::logic_error("RangeIndex: the treap is too deep");
    path.nodes[depth++] = t;
    if (links_[t].lo <= key) {
      floor = t;
      t = links_[t].right;
    } else {
      path.depth = depth;
      t = links_[t].left;
    }
  }
  return floor;
}

// Gives the path's last node a gap with a new bottom: its aggregates and its ancestors' are stale.
void RangeIndex::set_gap_lo(const Path& to_node, Pfn gap_lo) {
  nodes_[to_node.nodes[to_node.depth - 1]].gap_lo = gap_lo;
  mark_stale(to_node.nodes, to_node.depth);
}

void RangeIndex::mark_stale(const Index* path, std::size_t depth) {
  while (depth > 0 && !stale_[path[depth - 1]]) stale_[path[--depth]] = true;
}

// Children before their parent; a node that is not stale has no stale descendant.
void RangeIndex::refresh(Index t) const {
  if (t == kNone || !stale_[t]) return;
  refresh(links_[t].left);
  refresh(links_[t].right);
  pull(t);
  stale_[t] = false;
}

// ---- The treap ------------------------------------------------------------------------------

// splitmix64's finalizer of the slot: a slot's priority owes nothing to the key it holds, which
// is all a treap's balance asks, and the walks that compare priorities read no node for it.
std::uint32_t RangeIndex::priority(Index t) {
  std::uint64_t mixed = (std::uint64_t{t} + 1) * 0x9e3779b97f4a7c15ull;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ull;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebull;
  return static_cast<std::uint32_t>(mixed ^ (mixed >> 31));
}

RangeIndex::Index RangeIndex::make(const OwnedRange& owned, Pfn gap_lo) {
  Node node{};
  node.owned = owned;
  node.gap_lo = gap_lo;
  const Index t = nodes_.acquire(node);
  if (links_.empty()) add_link_slot();  // slot 0, as in the nodes' pool, in one allocation with the first slots
  if (t == links_.size()) add_link_slot();
  links_[t] = Link{owned.range.lo, kNone, kNone};
  stale_[t] = true;
  return t;
}

// The links and the stale mark of one more slot, grown as the nodes' pool grows.
void RangeIndex::add_link_slot() {
  grow_by_an_eighth(links_);
  grow_by_an_eighth(stale_);
  links_.emplace_back();
  stale_.emplace_back();
}

// Computed in a local and written once.
void RangeIndex::pull(Index t) const {
  static_assert(sizeof(OwnedRange) != 48 || (sizeof(Node) == 72 && sizeof(Link) == 16), "docs/architecture.md gives a node's size");
  const Node& node = nodes_[t];
  Aggregate aggregate = Aggregate::of_gap(node.gap_lo, node.owned.range.lo - node.gap_lo);
  const Link& link = links_[t];
  if (link.left != kNone) aggregate = Aggregate::combine(aggregate, {nodes_[link.left].longest, nodes_[link.left].shortfalls});
  if (link.right != kNone) aggregate = Aggregate::combine(aggregate, {nodes_[link.right].longest, nodes_[link.right].shortfalls});
  node.longest = aggregate.longest;
  node.shortfalls = aggregate.shortfalls;
}

void RangeIndex::split(Index t, Pfn key, Index& below, Index& rest) {
  if (t == kNone) {
    below = rest = kNone;
    return;
  }
  if (links_[t].lo < key) {
    split(links_[t].right, key, links_[t].right, rest);
    below = t;
  } else {
    split(links_[t].left, key, below, links_[t].left);
    rest = t;
  }
  stale_[t] = true;  // its subtree changed; its new ancestors are marked by the caller
}

RangeIndex::Index RangeIndex::merge(Index a, Index b) {
  if (a == kNone) return b;
  if (b == kNone) return a;
  if (priority(a) > priority(b)) {
    links_[a].right = merge(links_[a].right, b);
    stale_[a] = true;  // as in split
    return a;
  }
  links_[b].left = merge(a, links_[b].left);
  stale_[b] = true;
  return b;
}

// Treap insertion and removal along one path, marking the nodes above it stale.
void RangeIndex::insert_node(Index fresh) {
  const Pfn key = links_[fresh].lo;
  Index path[kMaxDepth];
  std::size_t depth = 0;
  Index* link = &root_;
  const std::uint32_t fresh_priority = priority(fresh);
  while (*link != kNone && priority(*link) >= fresh_priority) {
    if (depth == kMaxDepth) throw std::logic_error("RangeIndex: the treap is too deep");
    path[depth++] = *link;
    Link& node = links_[*link];
    link = key < node.lo ? &node.left : &node.right;
  }
  split(*link, key, links_[fresh].left, links_[fresh].right);
  *link = fresh;
  mark_stale(path, depth);
}

Pfn RangeIndex::erase_node(Pfn lo) {
  Index path[kMaxDepth];
  std::size_t depth = 0;
  Index* link = &root_;
  while (*link != kNone && links_[*link].lo != lo) {
    if (depth == kMaxDepth) throw std::logic_error("RangeIndex: the treap is too deep");
    path[depth++] = *link;
    Link& node = links_[*link];
    link = lo < node.lo ? &node.left : &node.right;
  }
  const Index gone = *link;
  if (gone == kNone) throw std::logic_error("RangeIndex::erase: no range starts at " + hex(lo));
  *link = merge(links_[gone].left, links_[gone].right);
  nodes_.release(gone);
  mark_stale(path, depth);
  return nodes_[gone].gap_lo;  // a released slot stays readable until it is reused
}

}  // namespace iovacheck
