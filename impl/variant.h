#pragma once
// The variants of docs/spec.md section 5, each a declared delta on mainline.
// The allocator consults these flags; no variant is a copy of the allocator.
#include <span>
#include <string>
#include <string_view>

namespace iovacheck::impl {

// How the tree search places a new range.
enum class Search {
  FirstFitFromCachedNode,  // mainline and the historical versions (section 3)
  BestFit,                 // p1: smallest whole gap that fits, linear walk
  HighestGap,              // p2: highest aligned position in any gap, augmented tree
  MapleGap,                // p3: highest gap of at least size + alignment - 1, augmented tree
};

// The fixes of the project's findings (docs/findings.md), each a declared delta named after the
// finding it removes, applied on top of any variant it fits: `NAME[+fN...]`. F8 is not a
// finding (the number was never given out).
struct Fixes {
  // f1: a failure sets max32_alloc_size only when its search covered [start_pfn, dma32-1]
  // (L >= dma32 and the whole window searched), and to size + A - 1 for alignment A: an aligned
  // failure of size s only proves there is no free run of s + A - 1 pages. Capped at a value
  // longer than the 32-bit space (which claims nothing). The simplest sound fix; the SMT issue
  // may replace it.
  bool f1 = false;
  bool f2 = false;  // f2: limit_pfn 2^64-1 is taken as 2^64-2 (the anchor's pfn is never free): L no longer wraps
  // f3: reserve_iova never extends an overlapped node other than the anchor (a live, cached or
  // reserved one) down to lo: the free part of [lo, hi] below it becomes a node of its own, and
  // the result is the node the spec's walk ends on, unextended (docs/spec.md, section 3).
  bool f3 = false;
  bool f4 = false;  // f4: max32_alloc_size's "nothing known" value (initial, reset) is dma32 + 1, not dma32
  bool f5 = false;  // f5: a range-cache get with limit_pfn + 1 < size finds nothing, as its bound cannot be met
  // f6: p2/p3 also learn from a failure under a limit above dma32 (which searched the whole
  // 32-bit space), as f1 sets it: size + A - 1, capped. Mainline's own rule (size) would
  // bring back its unsound size-only estimate (the p2 pin max32-only-below-dma32).
  bool f6 = false;
  bool f7 = false;  // f7: p3 falls back to the highest exact aligned fit when no gap holds size + A - 1
  // f9: reserve_iova never extends the anchor: a reserve reaching 2^64-1 (granule 1) gets a node
  // of its own below the anchor, as f3 does for every other node.
  bool f9 = false;
  friend bool operator==(const Fixes&, const Fixes&) = default;
};

// One fix: its number N (named fN after finding FN) and the flag it sets.
struct FixInfo {
  unsigned number;
  bool Fixes::*flag;
  std::string_view summary;
};
std::span<const FixInfo> all_fixes();

// ---- F1 fix candidates (docs/f1-fix.md; the SMT issue) -----------------------------------------
// How a failed search sets the 32-bit free-space estimate (section 3, step 5), as a policy of its
// own variant. Only the cached tree consults it (impl/max32.h); p2/p3 keep their own rule.
enum class Max32Policy {
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
  bool max32_reset_needs_cached32_move = false;  // z1: removal step 2 is "step 1 moved cached32" (no pfn_lo test)
  bool retry_pfn_is_hi_plus_one = false;         // z2: retry_pfn = curr.pfn_hi + 1, low = retry_pfn
  bool retry_pass = true;                        // z3: false, step 5 never retries
  bool delete_checks_free_is_cached32 = true;    // z4: false, removal step 1 lacks "free == c ||"
  bool underflow_guard = true;                   // z5: false, step 5 tests only cand < low
  Max32Policy max32_policy = Max32Policy::AnyFailure;  // F1 fix candidates (above)

  // Range-cache deltas (section 4; has_range_cache_delta lists them).
  bool rcache_bound_ignores_size = false;  // z6: get bound is limit_pfn
  bool fast_rounds_size = true;            // z7: false, alloc_iova_fast does not round up
  bool fast_flush_drains_depot = true;     // z8: false, the fast path's flush skips the depot
  // z9 (v5.18 .. v6.6, linux-source-6.1): the depot holds at most this many magazines (0: no
  // cap) and a full loaded magazine that does not fit is returned to the tree; no trimming; a
  // depot flush returns the magazines bottom first.
  unsigned depot_capacity = 0;
  bool depot_trimmed = true;
  bool depot_flush_bottom_first = false;

  Fixes fixes = {};  // none in the table; NAME+fN... adds them

  bool has_cached_nodes() const {
    return search == Search::FirstFitFromCachedNode || search == Search::BestFit;
  }
};

// Every variant, mainline first.
std::span<const Variant> all_variants();
const Variant* find_variant(std::string_view name);
const Variant& mainline();

// Whether any range-cache delta (section 4, or fix f5) differs from mainline's.
bool has_range_cache_delta(const Variant& variant);

// "z1" for "z1-max32-reset"; "mainline" for mainline.
std::string_view short_name(const Variant& variant);

// Why fix N cannot apply to `variant` (it has no such behaviour, or replaces it), or empty.
std::string fix_conflict(const Variant& variant, unsigned number);

// Every fix that applies to `variant`, applied: its known findings fixed.
Variant with_all_fixes(Variant variant);

// `NAME[+fN...]`: NAME a full or short name, each fix once and applicable. Throws
// std::invalid_argument naming the problem.
Variant parse_variant(std::string_view spec);

// The canonical `NAME[+fN...]`: full name, fixes ascending.
std::string variant_name(const Variant& variant);

}  // namespace iovacheck::impl
