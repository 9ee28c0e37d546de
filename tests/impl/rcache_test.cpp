// The range caches and the fast path (docs/spec.md section 4) and their deltas z6-z8.
#include "impl/rcache.h"

#include <gtest/gtest.h>

#include <vector>

#include "impl/domain.h"
#include "tests/impl/domain_helpers.h"

namespace iovacheck::impl {
namespace {

using testing::allocated;
using testing::failed;
using testing::geometry;
using testing::hint;
using testing::ok;
using testing::variant;

constexpr unsigned kDepot = CachedEntry::kDepot;

// Fast-allocates one page at each pfn from 0xff downwards (the tree hands them out in that order).
std::vector<Pfn> fast_pages(Domain& domain, int count, unsigned cpu = 0) {
  std::vector<Pfn> pfns;
  for (int i = 0; i < count; ++i) {
    const AllocResult result = domain.alloc_iova_fast(1, 0xff, cpu, true);
    EXPECT_EQ(result.status, Status::Ok);
    pfns.push_back(result.pfn);
  }
  return pfns;
}

TEST(RangeCache, FreedRangeIsCachedWithItsNodeAndHandedOutAgain) {
  Domain domain(geometry(0x1000), mainline());
  ASSERT_EQ(fast_pages(domain, 1), std::vector<Pfn>{0xff});
  ASSERT_EQ(domain.free_iova_fast(0xff, 1, 0), Status::Ok);
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xff, 0, 0}}));
  EXPECT_EQ(domain.find_iova(0xff), (Node{0xff, 0xff}));
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xff, 0, true), ok(0xff));
  EXPECT_EQ(domain.cached(), std::vector<CachedEntry>{});
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0xff, 0xff}}));
  EXPECT_EQ(domain.validate(), std::nullopt);
}

TEST(RangeCache, SizesShareABinByOrderBase2) {
  Domain domain(geometry(0x1000), mainline());
  ASSERT_EQ(domain.alloc_iova_fast(3, 0xff, 0, true), ok(0xfc));  // rounded to 4
  EXPECT_EQ(domain.find_iova(0xfc), (Node{0xfc, 0xff}));
  ASSERT_EQ(domain.free_iova_fast(0xfc, 3, 0), Status::Ok);
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xfc, 2, 0}}));
  EXPECT_EQ(domain.alloc_iova_fast(4, 0xff, 0, true), ok(0xfc));
}

// The bound is (limit + 1) - size: a cached [0xfc, 0xff] does not serve limit 0xfe.
TEST(RangeCache, GetHonoursTheEndOfTheRange) {
  Domain domain(geometry(0x1000), mainline());
  ASSERT_EQ(domain.alloc_iova_fast(4, 0xff, 0, true), ok(0xfc));
  ASSERT_EQ(domain.free_iova_fast(0xfc, 4, 0), Status::Ok);
  EXPECT_EQ(domain.alloc_iova_fast(4, 0xfe, 0, true), ok(0xf8));
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xfc, 2, 0}}));
}

// Scans from the top index down; the last entry moves into the taken slot.
TEST(RangeCache, PopTakesTheHighestIndexWithinTheBound) {
  Domain domain(geometry(0x1000, 3), mainline());
  ASSERT_EQ(fast_pages(domain, 3), (std::vector<Pfn>{0xff, 0xfe, 0xfd}));
  for (Pfn pfn : {0xff, 0xfd, 0xfe}) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xfd, 0, true), ok(0xfd));
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xff, 0, 0}, {0xfe, 0, 0}}));
  // Nothing cached fits below 0xfd: a miss goes to the tree.
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xfc, 0, true), ok(0xfc));
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xff, 0, 0}, {0xfe, 0, 0}}));
}

TEST(RangeCache, InsertSwapsAFullLoadedWithAnEmptyPrev) {
  Domain domain(geometry(0x1000, 1), mainline());
  const auto pfns = fast_pages(domain, 2);
  for (Pfn pfn : pfns) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
  // loaded [0xfe], prev [0xff]; entries list loaded first.
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xfe, 0, 0}, {0xff, 0, 0}}));
  EXPECT_EQ(domain.validate(), std::nullopt);
}

// A get looks only in loaded when it is non-empty, even if prev holds a pfn that fits.
TEST(RangeCache, GetMissesOnANonEmptyLoadedWithoutAFit) {
  Domain domain(geometry(0x1000, 1), mainline());
  ASSERT_EQ(domain.alloc_iova_fast(1, 0xff, 0, true), ok(0xff));
  ASSERT_EQ(domain.alloc_iova_fast(1, 0x10, 0, true), ok(0x10));
  ASSERT_EQ(domain.free_iova_fast(0x10, 1, 0), Status::Ok);
  ASSERT_EQ(domain.free_iova_fast(0xff, 1, 0), Status::Ok);  // loaded [0xff], prev [0x10]
  EXPECT_EQ(domain.alloc_iova_fast(1, 0x20, 0, true), ok(0xf));
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xff, 0, 0}, {0x10, 0, 0}}));
}

TEST(RangeCache, FullMagazinesGoToTheDepotAndComeBack) {
  Domain domain(geometry(0x1000, 1), mainline());
  ASSERT_EQ(fast_pages(domain, 3), (std::vector<Pfn>{0xff, 0xfe, 0xfd}));
  for (Pfn pfn : {0xff, 0xfe, 0xfd}) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
  // Both full at the third insert: loaded [0xfe] goes to the depot.
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xfd, 0, 0}, {0xff, 0, 0}, {0xfe, 0, kDepot}}));
  EXPECT_EQ(domain.validate(), std::nullopt);
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xff, 0, true), ok(0xfd));  // loaded
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xff, 0, true), ok(0xff));  // prev swapped in
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xfe, 0, kDepot}}));
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xff, 0, true), ok(0xfe));  // depot popped
  EXPECT_EQ(domain.cached(), std::vector<CachedEntry>{});
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xff, 0, true), ok(0xfc));  // miss: the tree
}

TEST(RangeCache, EachCpuHasItsOwnMagazinesAndTheDepotIsShared) {
  Domain domain(geometry(0x1000, 1, 2), mainline());
  ASSERT_EQ(fast_pages(domain, 4), (std::vector<Pfn>{0xff, 0xfe, 0xfd, 0xfc}));
  ASSERT_EQ(domain.free_iova_fast(0xff, 1, 1), Status::Ok);
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xff, 0, true), ok(0xfb));  // cpu 0 misses
  for (Pfn pfn : {0xfe, 0xfd}) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 1), Status::Ok);
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xfd, 0, 1}, {0xff, 0, 1}, {0xfe, 0, kDepot}}));
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xff, 0, true), ok(0xfe));  // cpu 0 loads the depot's magazine
}

TEST(RangeCache, FlushCpuReturnsThatCpusMagazinesOnly) {
  Domain domain(geometry(0x1000, 1, 2), mainline());
  ASSERT_EQ(fast_pages(domain, 4), (std::vector<Pfn>{0xff, 0xfe, 0xfd, 0xfc}));
  for (Pfn pfn : {0xff, 0xfe, 0xfd}) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
  ASSERT_EQ(domain.free_iova_fast(0xfc, 1, 1), Status::Ok);
  EXPECT_EQ(domain.free_cpu_cached_iovas(0), Status::Ok);
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xfc, 0, 1}, {0xfe, 0, kDepot}}));
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0xfc, 0xfc}, {0xfe, 0xfe}}));
  EXPECT_EQ(domain.validate(), std::nullopt);
}

TEST(RangeCache, FlushDepotReturnsEveryDepotMagazine) {
  Domain domain(geometry(0x1000, 1), mainline());
  ASSERT_EQ(fast_pages(domain, 5).size(), 5u);
  for (Pfn pfn : {0xff, 0xfe, 0xfd, 0xfc, 0xfb}) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
  ASSERT_EQ(domain.alloc_iova_fast(2, 0xff, 0, true), ok(0xf8));
  ASSERT_EQ(domain.free_iova_fast(0xf8, 2, 0), Status::Ok);
  domain.free_global_cached_iovas();
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xfb, 0, 0}, {0xff, 0, 0}, {0xf8, 1, 0}}));
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0xf8, 0xf9}, {0xfb, 0xfb}, {0xff, 0xff}}));
}

// With one CPU, a depot of three magazines loses its top one per run until it holds one.
TEST(RangeCache, TrimPopsOneMagazinePerBinWhileTheDepotExceedsTheCpus) {
  Domain domain(geometry(0x1000, 1), mainline());
  ASSERT_EQ(fast_pages(domain, 5).size(), 5u);
  for (Pfn pfn : {0xff, 0xfe, 0xfd, 0xfc, 0xfb}) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
  const std::vector<CachedEntry> on_cpu = {{0xfb, 0, 0}, {0xff, 0, 0}};
  ASSERT_EQ(domain.cached(), (std::vector<CachedEntry>{on_cpu[0], on_cpu[1], {0xfe, 0, kDepot},
                                                       {0xfd, 0, kDepot}, {0xfc, 0, kDepot}}));
  domain.trim_depots();
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{on_cpu[0], on_cpu[1], {0xfe, 0, kDepot}, {0xfd, 0, kDepot}}));
  EXPECT_EQ(domain.find_iova(0xfc), std::nullopt);
  domain.trim_depots();
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{on_cpu[0], on_cpu[1], {0xfe, 0, kDepot}}));
  domain.trim_depots();
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{on_cpu[0], on_cpu[1], {0xfe, 0, kDepot}}));
  EXPECT_EQ(domain.validate(), std::nullopt);
}

// Pfns 1..4 all cached on cpu 0, so a 2-page request fails until the flush frees them.
TEST(FastPath, FlushesAndRetriesOnce) {
  Domain domain(geometry(0x1000, 2), mainline());
  for (Pfn expected : {0x4, 0x3, 0x2, 0x1}) ASSERT_EQ(domain.alloc_iova_fast(1, 0x4, 0, true), ok(expected));
  for (Pfn pfn : {0x4, 0x3, 0x2, 0x1}) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
  EXPECT_EQ(domain.alloc_iova_fast(2, 0x4, 0, false), failed());
  EXPECT_EQ(domain.cached().size(), 4u);
  EXPECT_EQ(domain.alloc_iova_fast(2, 0x4, 0, true), ok(0x2));
  EXPECT_EQ(domain.cached(), std::vector<CachedEntry>{});
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0x2, 0x3}}));
  EXPECT_EQ(hint(domain, "cached32_node"), "0x2");
}

TEST(FastPath, FailsAfterOneFlushWhenNothingHelps) {
  Domain domain(geometry(0x1000, 2), mainline());
  ASSERT_EQ(domain.reserve_iova(0x1, 0x3).status, Status::Ok);
  ASSERT_EQ(domain.alloc_iova_fast(1, 0x4, 0, true), ok(0x4));
  ASSERT_EQ(domain.free_iova_fast(0x4, 1, 0), Status::Ok);
  EXPECT_EQ(domain.alloc_iova_fast(2, 0x4, 0, true), failed());
  EXPECT_EQ(domain.cached(), std::vector<CachedEntry>{});  // flushed anyway
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x2");
}

// With start_pfn 0, pfn 0 is "no result" to alloc_iova_fast's caller: a tree placement at 0 is a
// failure whose node stays in the tree, and a popped cached pfn 0 is a miss whose node stays too.
TEST(FastPath, TreePlacementAtPfnZeroIsAFailureThatLeaksItsNode) {
  Domain domain(geometry(0x4, 127, 1, /*start_pfn=*/0), mainline());
  EXPECT_EQ(domain.alloc_iova_fast(1, 0x0, 0, true), failed());
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0x0, 0x0}}));
  EXPECT_EQ(domain.cached(), std::vector<CachedEntry>{});
  EXPECT_EQ(domain.validate(), std::nullopt);
}

TEST(FastPath, PoppedPfnZeroIsAMissThatLeaksItsNode) {
  Domain domain(geometry(0x4, 127, 1, /*start_pfn=*/0), mainline());
  ASSERT_EQ(domain.alloc_iova(1, 0x0, true), ok(0x0));  // alloc_iova may hand out 0
  ASSERT_EQ(domain.free_iova_fast(0x0, 1, 0), Status::Ok);
  ASSERT_EQ(domain.cached(), (std::vector<CachedEntry>{{0x0, 0, 0}}));
  // The pop takes 0 (a miss); from cached32 [0x0] the walk underflows, the retry from pfn 1 finds 3.
  EXPECT_EQ(domain.alloc_iova_fast(1, 0x3, 0, true), ok(0x3));
  EXPECT_EQ(domain.cached(), std::vector<CachedEntry>{});
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0x0, 0x0}, {0x3, 0x3}}));
  EXPECT_EQ(domain.validate(), std::nullopt);
}

TEST(FastPath, SizesAbove32PagesBypassTheCaches) {
  Domain domain(geometry(0x1000), mainline());
  ASSERT_EQ(domain.alloc_iova_fast(33, 0xff, 0, true), ok(0xc0));
  EXPECT_EQ(domain.find_iova(0xc0), (Node{0xc0, 0xe0}));  // 32..63 are not rounded
  EXPECT_EQ(domain.free_iova_fast(0xc0, 33, 0), Status::Ok);
  EXPECT_EQ(domain.cached(), std::vector<CachedEntry>{});
  EXPECT_EQ(allocated(domain), std::vector<Node>{});
  ASSERT_EQ(domain.alloc_iova_fast(32, 0xff, 0, true), ok(0xe0));
  EXPECT_EQ(domain.free_iova_fast(0xe0, 32, 0), Status::Ok);
  EXPECT_EQ(domain.cached(), (std::vector<CachedEntry>{{0xe0, 5, 0}}));
}

// z6: the bound is the limit itself, so the cached [0xc, 0xf] serves limit 0xe.
TEST(Z6, CachedRangeMayEndAboveTheLimit) {
  for (const char* name : {"mainline", "z6-rcache-bound"}) {
    Domain domain(geometry(0x1000), variant(name));
    ASSERT_EQ(domain.alloc_iova_fast(4, 0xf, 0, true), ok(0xc));
    ASSERT_EQ(domain.free_iova_fast(0xc, 4, 0), Status::Ok);
    const AllocResult expected = std::string_view(name) == "mainline" ? ok(0x8) : ok(0xc);
    EXPECT_EQ(domain.alloc_iova_fast(4, 0xe, 0, true), expected) << name;
  }
}

TEST(Z7, FastPathDoesNotRoundUp) {
  Domain reference(geometry(0x1000), mainline());
  ASSERT_EQ(reference.alloc_iova_fast(3, 0xff, 0, true), ok(0xfc));
  EXPECT_EQ(reference.find_iova(0xfc), (Node{0xfc, 0xff}));

  Domain domain(geometry(0x1000), variant("z7-fast-no-roundup"));
  ASSERT_EQ(domain.alloc_iova_fast(3, 0xff, 0, true), ok(0xfc));
  EXPECT_EQ(domain.find_iova(0xfc), (Node{0xfc, 0xfe}));  // still aligned to 4
  EXPECT_EQ(domain.find_iova(0xff), std::nullopt);
}

// cpu 0 holds loaded [0x2] and prev [0x4]; the depot holds [0x3]. Only mainline's flush frees 0x3.
TEST(Z8, FastPathFlushLeavesTheDepot) {
  for (const char* name : {"mainline", "z8-flush-cpu-only"}) {
    Domain domain(geometry(0x1000, 1), variant(name));
    for (Pfn expected : {0x4, 0x3, 0x2, 0x1}) ASSERT_EQ(domain.alloc_iova_fast(1, 0x4, 0, true), ok(expected));
    for (Pfn pfn : {0x4, 0x3, 0x2}) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
    ASSERT_EQ(domain.cached(), (std::vector<CachedEntry>{{0x2, 0, 0}, {0x4, 0, 0}, {0x3, 0, kDepot}}));
    const bool z8 = std::string_view(name) != "mainline";
    EXPECT_EQ(domain.alloc_iova_fast(2, 0x4, 0, true), z8 ? failed() : ok(0x2)) << name;
    const std::vector<CachedEntry> left = z8 ? std::vector<CachedEntry>{{0x3, 0, kDepot}} : std::vector<CachedEntry>{};
    EXPECT_EQ(domain.cached(), left) << name;
  }
}

// z9 (v5.18..v6.6): with one CPU and mag 1, frees 3..34 fill the 32-magazine depot; the 35th
// free's full loaded magazine does not fit, so its pfn goes back to the tree. Trim does nothing.
TEST(Z9, AFullDepotSendsTheOverflowMagazineToTheTree) {
  Domain domain(geometry(0x1000, 1), variant("z9-capped-depot"));
  const std::vector<Pfn> pfns = fast_pages(domain, 35);
  for (Pfn pfn : pfns) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
  const CacheContents contents = domain.cache_contents();
  EXPECT_EQ(contents.bins[0].depot.size(), 32u);
  EXPECT_EQ(contents.bins[0].cpus[0].loaded, std::vector<Pfn>{pfns[34]});
  EXPECT_EQ(contents.bins[0].cpus[0].prev, std::vector<Pfn>{pfns[0]});
  EXPECT_EQ(contents.bins[0].depot.front(), std::vector<Pfn>{pfns[32]});  // the top
  EXPECT_EQ(domain.find_iova(pfns[33]), std::nullopt);
  domain.trim_depots();
  EXPECT_EQ(domain.cache_contents().bins[0].depot.size(), 32u);
  EXPECT_EQ(domain.validate(), std::nullopt);
}

TEST(Validate, ReportsCacheInconsistencies) {
  Domain domain(geometry(0x1000), mainline());
  ASSERT_EQ(domain.alloc_iova_fast(4, 0xff, 0, true), ok(0xfc));
  ASSERT_EQ(domain.free_iova_fast(0xfc, 4, 0), Status::Ok);
  // A reserve reaching into a cached node lowers its pfn_lo under the cache.
  ASSERT_EQ(domain.reserve_iova(0xfa, 0xfc).status, Status::Ok);
  EXPECT_EQ(domain.validate(), "rcache bin 2 cpu 0 loaded: cached pfn 0xfc is inside node [0xfa, 0xff], not its start");

  Domain twice(geometry(0x1000), mainline());
  ASSERT_EQ(twice.alloc_iova_fast(1, 0xff, 0, true), ok(0xff));
  ASSERT_EQ(twice.free_iova_fast(0xff, 1, 0), Status::Ok);
  ASSERT_EQ(twice.free_iova_fast(0xff, 1, 0), Status::Ok);  // a double free the kernel accepts
  EXPECT_EQ(twice.validate(), "pfn 0xff is cached twice");

  Domain freed(geometry(0x1000), mainline());
  ASSERT_EQ(freed.alloc_iova_fast(1, 0xff, 0, true), ok(0xff));
  ASSERT_EQ(freed.free_iova_fast(0xff, 1, 0), Status::Ok);
  ASSERT_EQ(freed.free_iova(0xff), Status::Ok);  // mixing: the cache keeps the pfn
  EXPECT_EQ(freed.validate(), "rcache bin 0 cpu 0 loaded: cached pfn 0xff has no tree node");
  freed.free_global_cached_iovas();
  EXPECT_EQ(freed.free_cpu_cached_iovas(0), Status::Ok);  // skips the pfn with no node, as the kernel warns
  EXPECT_EQ(freed.validate(), "a drain met cached pfn 0xff with no tree node (the kernel's WARN_ON(!iova))");
  freed.start_operation();  // the warning belonged to the drain
  EXPECT_EQ(freed.validate(), std::nullopt);

  Domain wrong_bin(geometry(0x1000), mainline());
  ASSERT_EQ(wrong_bin.alloc_iova(4, 0xff, true), ok(0xfc));
  ASSERT_EQ(wrong_bin.free_iova_fast(0xfc, 2, 0), Status::Ok);
  EXPECT_EQ(wrong_bin.validate(), "rcache bin 1 cpu 0 loaded: cached node [0xfc, 0xff] belongs to bin 2");
}

TEST(Describe, CountsPerBin) {
  Domain domain(geometry(0x1000, 1), mainline());
  ASSERT_EQ(fast_pages(domain, 3).size(), 3u);
  for (Pfn pfn : {0xff, 0xfe, 0xfd}) ASSERT_EQ(domain.free_iova_fast(pfn, 1, 0), Status::Ok);
  EXPECT_EQ(hint(domain, "rcache bin 0:"), "2 pfns in cpu magazines, 1 depot magazines");
  EXPECT_EQ(hint(domain, "rcache bin 1:"), "0 pfns in cpu magazines, 0 depot magazines");
}

}  // namespace
}  // namespace iovacheck::impl
