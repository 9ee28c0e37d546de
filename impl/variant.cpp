#include "impl/variant.h"

#include <algorithm>

namespace iovacheck::impl {
namespace {

// Section 5's table. Each entry is mainline plus the flags it names.
constexpr Variant kVariants[] = {
    {.name = "mainline",
     .origin = "v5.18 .. v7.1",
     .summary = "none: the allocator of sections 3 and 4"},
    {.name = "z1-max32-reset",
     .origin = "v5.11 .. v5.17; fixed by 5b61343b5059 \"iommu/iova: Improve 32-bit free space estimate\" "
               "(2022), the seed thread",
     .summary = "a removal resets max32_alloc_size only when it moved cached32_node",
     .max32_reset_needs_cached32_move = true},
    {.name = "z2-retry-overflow",
     .origin = "v5.11 .. v6.2; fixed by dcdb3ba7e2a8 \"iommu/iova: Fix alloc iova overflows issue\" (2023)",
     .summary = "retry_pfn = cached pfn_hi + 1 and low = retry_pfn: from the anchor it wraps to 0 and "
                "the retry searches below start_pfn",
     .retry_pfn_is_hi_plus_one = true},
    {.name = "z3-no-retry",
     .origin = "v4.15 .. v5.10; fixed by 4e89dce72521 \"iommu/iova: Retry from last rb tree node if iova "
               "search fails\" (v5.11)",
     .summary = "no retry pass: a search that fails below the cached node fails",
     .retry_pass = false},
    {.name = "z4-stale-cached32",
     .origin = "v4.15 .. v5.2; fixed by \"iommu/iova: Remove stale cached32_node\" (2019)",
     .summary = "a removal moves cached32_node only past nodes below dma_32bit_pfn, so it can be left "
                "on a freed node",
     .delete_checks_free_is_cached32 = false},
    {.name = "z5-no-underflow-guard",
     .origin = "modelled on 5016bdb796b3 \"iommu/iova: Fix underflow bug in "
               "__alloc_and_insert_iova_range\" (2017)",
     .summary = "no high < size test: a wrapped candidate is handed out as a bogus pfn near 2^64",
     .underflow_guard = false},
    {.name = "z6-rcache-bound",
     .origin = "before \"iommu/iova: Make rcache limit_pfn handling more robust\" (v4.15)",
     .summary = "the rcache get bound is limit_pfn, so a cached range may end above the limit",
     .rcache_bound_ignores_size = true},
    {.name = "z7-fast-no-roundup",
     .origin = "before 972bf252f860 \"iova: Move fast alloc size roundup into alloc_iova_fast()\" (v5.17), "
               "for a caller that does not round",
     .summary = "alloc_iova_fast does not round the size up to a power of two",
     .fast_rounds_size = false},
    {.name = "z8-flush-cpu-only",
     .origin = "before 6fa3525b455a \"iommu/iova: Free global iova rcache on iova alloc failure\" (v5.11)",
     .summary = "the fast path's flush after a failed allocation drains the CPUs' magazines, not the depot",
     .fast_flush_drains_depot = false},
    {.name = "p1-best-fit",
     .origin = "Android/Qualcomm RFC \"iommu/iova: Add a best-fit algorithm\" (2020)",
     .summary = "the smallest whole gap that fits, the highest on ties; alloc neither updates the cached "
                "nodes nor checks or sets max32_alloc_size",
     .search = Search::BestFit},
    {.name = "p2-augmented",
     .origin = "augmented-rbtree proposal (2026, v2 series)",
     .summary = "no cached nodes: the highest aligned position below the limit in any gap, O(log n)",
     .search = Search::HighestGap},
    {.name = "p3-maple",
     .origin = "maple-tree proposal (2026, v3/v4 series)",
     .summary = "no cached nodes: the highest gap with size + alignment - 1 free below the limit, O(log n)",
     .search = Search::MapleGap},
    // ---- F1 fix candidates (docs/f1-fix.md) ----
    {.name = "f1a-whole-space",
     .origin = "F1 fix candidate (docs/f1-fix.md)",
     .summary = "a failure sets max32_alloc_size only when its search covered the whole 32-bit space (L >= dma32)",
     .max32_estimate = Max32Estimate::WholeSpace},
    {.name = "f1b-unaligned",
     .origin = "F1 fix candidate (docs/f1-fix.md)",
     .summary = "as f1a-whole-space, and only an unaligned (or 1-page) failure sets the estimate",
     .max32_estimate = Max32Estimate::WholeSpaceUnaligned},
    {.name = "f1c-split",
     .origin = "F1 fix candidate (docs/f1-fix.md)",
     .summary = "as f1a-whole-space, with a second estimate for size-aligned requests",
     .max32_estimate = Max32Estimate::SplitByAlignment},
    // ---- end of F1 fix candidates ----
};

}  // namespace

std::span<const Variant> all_variants() { return kVariants; }

const Variant* find_variant(std::string_view name) {
  auto found = std::ranges::find(kVariants, name, &Variant::name);
  return found == std::end(kVariants) ? nullptr : &*found;
}

const Variant& mainline() { return kVariants[0]; }

}  // namespace iovacheck::impl
