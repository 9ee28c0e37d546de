#pragma once
// The variants of allocator-semantics.md section 5, each a declared delta on mainline.
// The allocator consults these flags; no variant is a copy of the allocator.
#include <span>
#include <string_view>

namespace iovacheck::impl {

// How the tree search places a new range.
enum class Search {
  FirstFitFromCachedNode,  // mainline and the historical versions (section 3)
  BestFit,                 // p1: smallest whole gap that fits, linear walk
  HighestGap,              // p2: highest aligned position in any gap, augmented tree
  MapleGap,                // p3: highest gap of at least size + alignment - 1, augmented tree
};

// ---- F1 fix candidates (docs/f1-fix.md; issue 10) -------------------------------------------
// How a failed search sets the 32-bit free-space estimate (section 3, step 5). Only the cached
// tree consults it; p2/p3 keep their own rule (set only when L <= dma_32bit_pfn).
enum class Max32Estimate {
  AnyFailure,           // mainline: every failure sets max32_alloc_size = size, whatever L was
  WholeSpace,           // only a failure whose search covered [start_pfn, dma32): L >= dma32
  WholeSpaceUnaligned,  // as WholeSpace, and only for an unaligned request (or size 1)
  SplitByAlignment,     // as WholeSpace, with a second estimate for aligned requests: an aligned
                        // failure sets only max32_aligned, an unaligned one (or size 1) both;
                        // the early check compares an aligned request with max32_aligned
};
// ---- end of F1 fix candidates ------------------------------------------------------------------

struct Variant {
  std::string_view name;
  std::string_view origin;   // kernel versions, commit
  std::string_view summary;  // one line: how it differs from mainline
  Search search = Search::FirstFitFromCachedNode;

  // Tree deltas (section 3).
  bool max32_reset_needs_cached32_move = false;  // z1: removal step 2 only when step 1 moved cached32
  bool retry_pfn_is_hi_plus_one = false;         // z2: retry_pfn = curr.pfn_hi + 1, low = retry_pfn
  bool retry_pass = true;                        // z3: false, step 5 never retries
  bool delete_checks_free_is_cached32 = true;    // z4: false, removal step 1 lacks "free == c ||"
  bool underflow_guard = true;                   // z5: false, step 5 tests only cand < low
  Max32Estimate max32_estimate = Max32Estimate::AnyFailure;  // F1 fix candidates (above)

  // Range-cache deltas (section 4).
  bool rcache_bound_ignores_size = false;  // z6: get bound is limit_pfn
  bool fast_rounds_size = true;            // z7: false, alloc_iova_fast does not round up
  bool fast_flush_drains_depot = true;     // z8: false, the fast path's flush skips the depot

  bool has_cached_nodes() const {
    return search == Search::FirstFitFromCachedNode || search == Search::BestFit;
  }
};

// Every variant, mainline first.
std::span<const Variant> all_variants();
const Variant* find_variant(std::string_view name);
const Variant& mainline();

}  // namespace iovacheck::impl
