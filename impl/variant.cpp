#include "impl/variant.h"

#include <algorithm>
#include <stdexcept>

namespace iovacheck::impl {
namespace {

// Section 5's table. Each entry is mainline plus the flags it names.
constexpr Variant kVariants[] = {
    {.name = "mainline",
     .origin = "v5.18 .. v7.1",
     .summary = "none: the allocator of docs/spec.md sections 3 and 4"},
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
    {.name = "z9-capped-depot",
     .origin = "v5.18 .. v6.6 (Debian's linux-source-6.1); replaced in v6.7 by \"iommu/iova: Make the rcache "
               "depot scale better\"",
     .summary = "the depot holds at most 32 magazines and a full magazine beyond that goes back to the tree; "
                "no depot trimming; a depot flush starts at the bottom magazine",
     .depot_capacity = 32,
     .depot_trimmed = false,
     .depot_flush_bottom_first = true},
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
     .max32_policy = Max32Policy::WholeSpace},
    {.name = "f1b-unaligned",
     .origin = "F1 fix candidate (docs/f1-fix.md)",
     .summary = "as f1a-whole-space, and only an unaligned (or 1-page) failure sets the estimate",
     .max32_policy = Max32Policy::WholeSpaceUnaligned},
    {.name = "f1c-split",
     .origin = "F1 fix candidate (docs/f1-fix.md)",
     .summary = "as f1a-whole-space, with a second estimate for size-aligned requests",
     .max32_policy = Max32Policy::SplitByAlignment},
    // ---- end of F1 fix candidates ----
};

constexpr FixInfo kFixes[] = {
    {1, &Fixes::f1, "max32_alloc_size set only by a failure that searched the whole 32-bit space, to size + A - 1"},
    {2, &Fixes::f2, "limit_pfn 2^64-1 taken as 2^64-2: L does not wrap to 0"},
    {3, &Fixes::f3, "reserve extends no node but the anchor: the free part below an overlapped node becomes a node of its own"},
    {4, &Fixes::f4, "max32_alloc_size starts and resets at dma32 + 1: a request of dma32 pages is searched (start_pfn 0)"},
    {5, &Fixes::f5, "a range-cache get with limit_pfn + 1 < size misses instead of wrapping its bound"},
    {6, &Fixes::f6, "p2/p3 also set max32_alloc_size on a failure above dma32, to size + A - 1 as f1 does"},
    {7, &Fixes::f7, "p3 falls back to the highest exact aligned fit when no gap holds size + A - 1"},
    {9, &Fixes::f9, "reserve never extends the anchor: the part of a reserve below 2^64-1 becomes a node of its own"},
};

const FixInfo* find_fix(unsigned number) {
  auto found = std::ranges::find(kFixes, number, &FixInfo::number);
  return found == std::end(kFixes) ? nullptr : &*found;
}

bool uses_max32(const Variant& variant) { return variant.search != Search::BestFit; }

const Variant* find_by_full_or_short_name(std::string_view name) {
  for (const Variant& variant : kVariants)
    if (variant.name == name || short_name(variant) == name) return &variant;
  return nullptr;
}

// "f7" -> 7; 0 when the text is not fN.
unsigned fix_number(std::string_view text) {
  if (text.size() < 2 || text.front() != 'f' || text.size() > 3) return 0;
  unsigned number = 0;
  for (char c : text.substr(1)) {
    if (c < '0' || c > '9') return 0;
    number = number * 10 + static_cast<unsigned>(c - '0');
  }
  return number;
}

}  // namespace

std::span<const FixInfo> all_fixes() { return kFixes; }

bool has_range_cache_delta(const Variant& variant) {
  const Variant& base = mainline();
  return variant.rcache_bound_ignores_size != base.rcache_bound_ignores_size || variant.fast_rounds_size != base.fast_rounds_size ||
         variant.fast_flush_drains_depot != base.fast_flush_drains_depot || variant.depot_capacity != base.depot_capacity ||
         variant.depot_trimmed != base.depot_trimmed || variant.depot_flush_bottom_first != base.depot_flush_bottom_first ||
         variant.fixes.f5 != base.fixes.f5;
}

std::string_view short_name(const Variant& variant) { return variant.name.substr(0, variant.name.find('-')); }

std::string fix_conflict(const Variant& variant, unsigned number) {
  // The name is built only for a conflict: the known-fixes search asks about every fix.
  const auto name = [&variant] { return std::string(variant.name); };
  switch (number) {
    case 1:
      if (!uses_max32(variant)) return name() + " has no max32_alloc_size";
      if (variant.max32_policy != Max32Policy::AnyFailure) return name() + " is itself a fix for F1 (docs/f1-fix.md)";
      return {};
    case 4:
      if (!uses_max32(variant)) return name() + " has no max32_alloc_size";
      return {};
    case 2:
    case 3:
    case 9: return {};
    case 5:
      if (variant.rcache_bound_ignores_size) return name() + "'s range-cache bound is limit_pfn, which cannot wrap";
      return {};
    case 6:
      if (variant.search != Search::HighestGap && variant.search != Search::MapleGap)
        return name() + " sets max32_alloc_size on a failure under any limit (f6 is for p2 and p3)";
      return {};
    case 7:
      if (variant.search != Search::MapleGap) return name() + " has no size + alignment - 1 rule (f7 is for p3)";
      return {};
    default: return {};
  }
}

Variant with_all_fixes(Variant variant) {
  for (const FixInfo& fix : kFixes)
    if (fix_conflict(variant, fix.number).empty()) variant.fixes.*fix.flag = true;
  return variant;
}

Variant parse_variant(std::string_view spec) {
  const std::string_view name = spec.substr(0, spec.find('+'));
  const Variant* base = find_by_full_or_short_name(name);
  if (!base) {
    std::string known;
    for (const Variant& each : kVariants) known += (known.empty() ? "" : ", ") + std::string(each.name);
    throw std::invalid_argument("unknown variant '" + std::string(name) + "' (known: " + known +
                                "; short names z1..z9, p1..p3, f1a..f1c work too)");
  }
  Variant variant = *base;
  for (std::size_t at = name.size(); at < spec.size();) {
    const std::size_t end = std::min(spec.find('+', at + 1), spec.size());
    const std::string_view text = spec.substr(at + 1, end - at - 1);
    at = end;
    const FixInfo* fix = find_fix(fix_number(text));
    if (!fix) {
      std::string known;
      for (const FixInfo& each : kFixes) known += (known.empty() ? "f" : ", f") + std::to_string(each.number);
      throw std::invalid_argument("unknown fix '" + std::string(text) + "' in variant '" + std::string(spec) +
                                  "' (fixes: " + known + ")");
    }
    if (variant.fixes.*fix->flag)
      throw std::invalid_argument("fix f" + std::to_string(fix->number) + " named twice in '" + std::string(spec) + "'");
    if (const std::string conflict = fix_conflict(*base, fix->number); !conflict.empty())
      throw std::invalid_argument("impossible combination '" + std::string(spec) + "': f" + std::to_string(fix->number) +
                                  " does not apply, " + conflict);
    variant.fixes.*fix->flag = true;
  }
  return variant;
}

std::string variant_name(const Variant& variant) {
  std::string name(variant.name);
  for (const FixInfo& fix : kFixes)
    if (variant.fixes.*fix.flag) name += "+f" + std::to_string(fix.number);
  return name;
}

std::span<const Variant> all_variants() { return kVariants; }

const Variant* find_variant(std::string_view name) {
  auto found = std::ranges::find(kVariants, name, &Variant::name);
  return found == std::end(kVariants) ? nullptr : &*found;
}

const Variant& mainline() { return kVariants[0]; }

}  // namespace iovacheck::impl
