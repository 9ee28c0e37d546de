#pragma once
// p2/p3: an ordered node set augmented, per subtree, with what finding the highest fitting gap
// needs, so alloc, free, find and reserve need no linear walk: O(log n), except that p2 with
// alignment may enter subtrees holding gaps of length in [size, size+A-2] that have no aligned
// start (O((1+k) log n) for k such gaps above the answer; see gap_tree.cpp).
#include <memory>

#include "impl/tree_allocator.h"

namespace iovacheck::impl {

// For variants whose search is Search::HighestGap or Search::MapleGap.
std::unique_ptr<TreeAllocator> make_gap_tree(const Config& config, const Variant& variant,
                                             const TreeSnapshot* snapshot);

}  // namespace iovacheck::impl
