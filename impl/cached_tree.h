#pragma once
// The mainline tree (sections 2-3): nodes in pfn order with cached_node, cached32_node and
// max32_alloc_size; the first-fit walk and its historical deltas (z1-z5), and p1's best fit.
#include <memory>

#include "impl/tree_allocator.h"

namespace iovacheck::impl {

// How the first-fit walk passes the nodes where it cannot stop: by the node set's gap index, in
// O(log n) (first_possible_stop), or one by one as the kernel does, the reference the tests
// compare the first with. Both give the same results, hints and failures.
enum class FirstFitWalk { SkippingGaps, Linear };

// For variants whose search is Search::FirstFitFromCachedNode or Search::BestFit.
std::unique_ptr<TreeAllocator> make_cached_tree(const Config& config, const Variant& variant,
                                                const TreeSnapshot* snapshot,
                                                FirstFitWalk walk = FirstFitWalk::SkippingGaps);

}  // namespace iovacheck::impl
