#pragma once
// p2/p3: an ordered node set augmented, per subtree, with what finding the highest fitting gap
// needs, so alloc, free, find and reserve are O(log n) with no linear walk.
#include <memory>

#include "impl/tree_allocator.h"

namespace iovacheck::impl {

// For variants whose search is Search::HighestGap or Search::MapleGap.
std::unique_ptr<TreeAllocator> make_gap_tree(const Config& config, const Variant& variant,
                                             const TreeSnapshot* snapshot);

}  // namespace iovacheck::impl
