#pragma once
// reserve_iova (section 3), written once for every tree. Starting at the first node that can
// overlap instead of the lowest node gives the same result: nodes below lo never overlap.
//
// Tree must provide, with a cheap copyable Handle that an insert leaves valid:
//   Handle lowest_ending_at_or_after(Pfn pfn);   // first node with pfn_hi >= pfn, or end
//   Handle next(Handle);  bool is_end(Handle);  Node node(Handle);
//   void lower_lo(Handle, Pfn new_lo);           // in place; order is preserved
//   Handle insert(Node);                          // no overlap with existing nodes
#include "impl/domain_types.h"
#include "impl/tree_allocator.h"

namespace iovacheck::impl {

// Which overlapped nodes a reserve may extend down to lo (section 3 extends every one). A node
// it may not extend keeps its range, and the free part of [lo, hi] below it becomes a node of
// its own: f3 for every node but the anchor, f9 for the anchor.
struct ReserveGrowth {
  bool nodes = true;   // f3: false
  bool anchor = true;  // f9: false
  static ReserveGrowth of(const Fixes& fixes) { return {!fixes.f3, !fixes.f9}; }
  bool extends(const Node& node) const { return node.pfn_hi == kAnchorPfn ? anchor : nodes; }
};

// Nodes are ascending and disjoint, so from the first node ending at or after lo every node
// overlaps until the first that starts above hi: the spec's "stop at the first non-overlapping
// node after an overlap". [lo, node.pfn_lo - 1] is free: below the first node nothing overlaps,
// and past each node lo moves to its end + 1.
template <class Tree>
ReserveResult reserve_range(Tree& tree, Pfn lo, Pfn hi, ReserveGrowth growth = {}) {
  for (auto handle = tree.lowest_ending_at_or_after(lo); !tree.is_end(handle); handle = tree.next(handle)) {
    Node node = tree.node(handle);
    if (node.pfn_lo > hi) break;
    if (lo < node.pfn_lo) {
      if (growth.extends(node)) {
        tree.lower_lo(handle, lo);
        node.pfn_lo = lo;
      } else {
        tree.insert(Node{lo, node.pfn_lo - 1});
        lo = node.pfn_lo;
      }
    }
    if (hi > node.pfn_hi) lo = node.pfn_hi + 1;
    if (lo >= node.pfn_lo && hi <= node.pfn_hi) return {Status::Ok, node};
  }
  auto inserted = tree.insert(Node{lo, hi});
  return {Status::Ok, tree.node(inserted)};
}

}  // namespace iovacheck::impl
