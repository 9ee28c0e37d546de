#pragma once
// reserve_iova (section 3), written once for every tree. Starting at the first node that can
// overlap instead of the lowest node gives the same result: nodes below lo never overlap.
//
// Tree must provide, with a cheap copyable Handle:
//   Handle lowest_ending_at_or_after(Pfn pfn);   // first node with pfn_hi >= pfn, or end
//   Handle next(Handle);  bool is_end(Handle);  Node node(Handle);
//   void lower_lo(Handle, Pfn new_lo);           // in place; order is preserved
//   Handle insert(Node);                          // no overlap with existing nodes
#include "impl/domain.h"

namespace iovacheck::impl {

// Nodes are ascending and disjoint, so from the first node ending at or after lo every node
// overlaps until the first that starts above hi: the spec's "stop at the first non-overlapping
// node after an overlap".
template <class Tree>
ReserveResult reserve_range(Tree& tree, Pfn lo, Pfn hi) {
  for (auto handle = tree.lowest_ending_at_or_after(lo); !tree.is_end(handle); handle = tree.next(handle)) {
    Node node = tree.node(handle);
    if (node.pfn_lo > hi) break;
    if (lo < node.pfn_lo) {
      tree.lower_lo(handle, lo);
      node.pfn_lo = lo;
    }
    if (hi > node.pfn_hi) lo = node.pfn_hi + 1;
    if (lo >= node.pfn_lo && hi <= node.pfn_hi) return {Status::Ok, node};
  }
  auto inserted = tree.insert(Node{lo, hi});
  return {Status::Ok, tree.node(inserted)};
}

}  // namespace iovacheck::impl
