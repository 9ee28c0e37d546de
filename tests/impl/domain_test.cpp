// The tree half of the domain: placements worked by hand from docs/spec.md sections
// 1-3, the tree deltas z1-z5 and p1, reserve, snapshots and bad input.
#include "impl/domain.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/impl/domain_helpers.h"

namespace iovacheck::impl {
namespace {

using testing::allocated;
using testing::failed;
using testing::geometry;
using testing::hint;
using testing::ok;
using testing::rejected;
using testing::variant;

constexpr Pfn kMax = ~Pfn{0};

TEST(Mainline, StartsWithTheAnchorOnly) {
  Domain domain(geometry(0x100), mainline());
  EXPECT_EQ(domain.nodes(), (std::vector<Node>{{kMax, kMax}}));
  EXPECT_EQ(hint(domain, "cached_node"), "anchor");
  EXPECT_EQ(hint(domain, "cached32_node"), "anchor");
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x100");
  EXPECT_EQ(domain.validate(), std::nullopt);
}

// Step 4: first fit walking down from cached32_node, not the highest free slot.
TEST(Mainline, FirstFitWalksDownFromTheCachedNode) {
  Domain domain(geometry(0x100), mainline());
  EXPECT_EQ(domain.alloc_iova(4, 0xf, true), ok(0xc));
  EXPECT_EQ(hint(domain, "cached32_node"), "0xc");
  EXPECT_EQ(domain.alloc_iova(4, 0xf, true), ok(0x8));
  // [0x10, 0x1f] is free, but the walk starts at cached32_node [0x8, 0xb].
  EXPECT_EQ(domain.alloc_iova(2, 0x1f, true), ok(0x6));
  EXPECT_EQ(hint(domain, "cached32_node"), "0x6");
  EXPECT_EQ(hint(domain, "cached_node"), "anchor");
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0x6, 0x7}, {0x8, 0xb}, {0xc, 0xf}}));
  EXPECT_EQ(domain.validate(), std::nullopt);
}

TEST(Mainline, WalkStepsDownPastANodeCoveringTheCandidate) {
  Domain domain(geometry(0x100), mainline());
  ASSERT_EQ(domain.reserve_iova(0xa, 0xf).status, Status::Ok);
  // From the anchor: candidate 0xc lies in [0xa, 0xf], so high drops to 0xa and 0x4 is aligned below.
  EXPECT_EQ(domain.alloc_iova(4, 0xf, true), ok(0x4));
  EXPECT_EQ(domain.alloc_iova(3, 0xf, false), ok(0x1));
  // Nothing below [0x1, 0x3]: the retry finds [0x8, 0x9] above cached32_node.
  EXPECT_EQ(domain.alloc_iova(1, 0xf, false), ok(0x9));
  EXPECT_EQ(domain.alloc_iova(1, 0xf, false), ok(0x8));
  EXPECT_EQ(domain.alloc_iova(1, 0xf, false), failed());
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x1");
}

// Step 5: the first pass below cached32_node [0x6, 0x7] fails; the retry covers [0x8, 0x20).
TEST(Mainline, RetryPassSearchesBetweenTheCachedNodeAndTheLimit) {
  Domain domain(geometry(0x100), mainline());
  ASSERT_EQ(domain.alloc_iova(4, 0xf, true), ok(0xc));
  ASSERT_EQ(domain.alloc_iova(4, 0xf, true), ok(0x8));
  ASSERT_EQ(domain.alloc_iova(2, 0x1f, true), ok(0x6));
  EXPECT_EQ(domain.alloc_iova(8, 0x1f, true), ok(0x18));
  EXPECT_EQ(hint(domain, "cached32_node"), "0x18");
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x100");
}

TEST(Mainline, AllocationsAboveDma32UseCachedNode) {
  Domain domain(geometry(0x10), mainline());
  EXPECT_EQ(domain.alloc_iova(1, 0xf, true), ok(0xf));
  EXPECT_EQ(domain.alloc_iova(2, 0x1f, true), ok(0x1e));
  EXPECT_EQ(hint(domain, "cached_node"), "0x1e");
  EXPECT_EQ(hint(domain, "cached32_node"), "0xf");
}

// The insert update looks at pfn_hi: a node straddling dma32 becomes cached_node.
TEST(Mainline, ANodeStraddlingDma32BecomesCachedNode) {
  Domain domain(geometry(0x10), mainline());
  EXPECT_EQ(domain.alloc_iova(4, 0x11, false), ok(0xe));
  EXPECT_EQ(hint(domain, "cached_node"), "0xe");
  EXPECT_EQ(hint(domain, "cached32_node"), "anchor");
}

TEST(Mainline, FailureSetsMax32WhichBlocks32BitRequestsUntilAFreeBelowDma32) {
  Domain domain(geometry(0x10), mainline());
  ASSERT_EQ(domain.alloc_iova(8, 0xf, true), ok(0x8));
  EXPECT_EQ(domain.alloc_iova(8, 0xf, true), failed());
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x8");
  EXPECT_EQ(domain.alloc_iova(4, 0xf, true), ok(0x4));
  const auto nodes = domain.nodes();
  EXPECT_EQ(domain.alloc_iova(8, 0xf, true), failed());  // step 2: at once
  EXPECT_EQ(domain.nodes(), nodes);
  EXPECT_EQ(domain.alloc_iova(8, 0x1f, true), ok(0x18));  // above dma32 no check
  ASSERT_EQ(domain.free_iova(0x4), Status::Ok);
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x10");
}

// trace-format.md's example, through the API.
void run_seed_trace(Domain& domain) {
  ASSERT_EQ(domain.alloc_iova(1, 0x3, true), ok(0x3));
  ASSERT_EQ(domain.alloc_iova(1, 0x3, true), ok(0x2));
  ASSERT_EQ(domain.free_iova(0x3), Status::Ok);
  ASSERT_EQ(domain.alloc_iova(2, 0x3, true), failed());
  ASSERT_EQ(domain.free_iova(0x2), Status::Ok);
}

TEST(SeedTrace, MainlineResetsMax32AndSucceeds) {
  Domain domain(geometry(0x4), mainline());
  run_seed_trace(domain);
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x4");
  EXPECT_EQ(domain.alloc_iova(2, 0x3, true), ok(0x2));
}

// z1: freeing [0x2, 0x2] below cached32_node (the anchor) does not move it, so max32 stays 2.
TEST(SeedTrace, Z1KeepsTheStaleMax32AndFails) {
  Domain domain(geometry(0x4), variant("z1-max32-reset"));
  run_seed_trace(domain);
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x2");
  EXPECT_EQ(domain.alloc_iova(2, 0x3, true), failed());
  EXPECT_EQ(allocated(domain), std::vector<Node>{});
  EXPECT_EQ(domain.validate(), std::nullopt);
}

TEST(Z1, ResetsMax32WhenTheRemovalMovesCached32) {
  Domain domain(geometry(0x4), variant("z1-max32-reset"));
  ASSERT_EQ(domain.alloc_iova(1, 0x3, true), ok(0x3));
  ASSERT_EQ(domain.alloc_iova(2, 0x3, true), failed());
  ASSERT_EQ(hint(domain, "max32_alloc_size"), "0x2");
  ASSERT_EQ(domain.free_iova(0x3), Status::Ok);  // 0x3 is cached32_node
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x4");
}

// z1 has no pfn_lo < dma32 test: freeing cached32_node when it sits above dma32 (a removal moved it
// there) resets max32; mainline keeps it.
TEST(Z1, ResetsMax32WhenCached32AboveDma32IsFreed) {
  for (const char* name : {"z1-max32-reset", "mainline"}) {
    SCOPED_TRACE(name);
    Domain domain(geometry(0x4), variant(name));
    ASSERT_EQ(domain.alloc_iova(1, 0x3, true), ok(0x3));  // cached32 = [0x3]
    ASSERT_EQ(domain.alloc_iova(2, 0x7, true), ok(0x6));  // L 8 > dma32: cached_node = [0x6, 0x7]
    ASSERT_EQ(domain.free_iova(0x3), Status::Ok);         // cached32 = successor = [0x6, 0x7]
    ASSERT_EQ(hint(domain, "cached32_node"), "0x6");
    ASSERT_EQ(domain.alloc_iova(3, 0x3, true), failed());  // cand 0 < start_pfn: max32 = 3
    ASSERT_EQ(hint(domain, "max32_alloc_size"), "0x3");
    ASSERT_EQ(domain.free_iova(0x6), Status::Ok);  // free == cached32, pfn_lo 6 >= dma32
    EXPECT_EQ(hint(domain, "max32_alloc_size"), std::string(name) == "mainline" ? "0x3" : "0x4");
  }
}

// z2: at the anchor retry_pfn wraps to 0, so the retry searches from pfn 0, below start_pfn.
TEST(Z2, RetryFromTheAnchorWrapsBelowStartPfn) {
  Domain reference(geometry(0x4), mainline());
  EXPECT_EQ(reference.alloc_iova(1, 0x0, true), failed());
  EXPECT_EQ(hint(reference, "max32_alloc_size"), "0x1");

  Domain domain(geometry(0x4), variant("z2-retry-overflow"));
  EXPECT_EQ(domain.alloc_iova(1, 0x0, true), ok(0x0));
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0x0, 0x0}}));
  EXPECT_EQ(hint(domain, "cached32_node"), "0x0");
}

// Below the anchor z2's retry is mainline's: low = pfn_hi + 1 either way.
TEST(Z2, RetryFromANodeMatchesMainline) {
  Domain domain(geometry(0x100), variant("z2-retry-overflow"));
  ASSERT_EQ(domain.alloc_iova(4, 0xf, true), ok(0xc));
  ASSERT_EQ(domain.alloc_iova(4, 0xf, true), ok(0x8));
  ASSERT_EQ(domain.alloc_iova(2, 0x1f, true), ok(0x6));
  EXPECT_EQ(domain.alloc_iova(8, 0x1f, true), ok(0x18));
}

// A z2 domain starting at pfn 0 would retry the same pass forever in the kernel: ours returns
// and validate() reports the hang.
TEST(Z2, RetryAtStartPfnZeroIsReportedAsAHang) {
  Domain domain(geometry(0x4, 127, 1, 0), variant("z2-retry-overflow"));
  ASSERT_EQ(domain.reserve_iova(0x0, 0x3).status, Status::Ok);
  ASSERT_FALSE(domain.validate());
  EXPECT_EQ(domain.alloc_iova(1, 0x3, true), failed());
  ASSERT_TRUE(domain.validate());
  EXPECT_NE(domain.validate()->find("forever"), std::string::npos);
}

TEST(Z3, NoRetryPass) {
  Domain domain(geometry(0x100), variant("z3-no-retry"));
  ASSERT_EQ(domain.alloc_iova(4, 0xf, true), ok(0xc));
  ASSERT_EQ(domain.alloc_iova(4, 0xf, true), ok(0x8));
  ASSERT_EQ(domain.alloc_iova(2, 0x1f, true), ok(0x6));
  EXPECT_EQ(domain.alloc_iova(8, 0x1f, true), failed());
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x8");
  EXPECT_EQ(hint(domain, "cached32_node"), "0x6");
}

// cached32_node moves to [0x1f, 0x1f] (above dma32); freeing that node leaves it behind under z4.
void leave_cached32_on_a_high_node(Domain& domain) {
  ASSERT_EQ(domain.alloc_iova(1, 0xf, true), ok(0xf));
  ASSERT_EQ(domain.alloc_iova(1, 0x1f, true), ok(0x1f));
  ASSERT_EQ(domain.free_iova(0xf), Status::Ok);
  ASSERT_EQ(hint(domain, "cached32_node"), "0x1f");
  ASSERT_EQ(domain.free_iova(0x1f), Status::Ok);
}

TEST(Z4, MainlineMovesCached32OffAFreedHighNode) {
  Domain domain(geometry(0x10), mainline());
  leave_cached32_on_a_high_node(domain);
  EXPECT_EQ(hint(domain, "cached32_node"), "anchor");
  EXPECT_EQ(domain.validate(), std::nullopt);
}

// validate() and describe() find the dangling pointer without dereferencing it; the test stops
// here because any further allocation would read the freed node.
TEST(Z4, LeavesCached32OnTheFreedNode) {
  Domain domain(geometry(0x10), variant("z4-stale-cached32"));
  leave_cached32_on_a_high_node(domain);
  EXPECT_EQ(hint(domain, "cached32_node"), "a freed node");
  EXPECT_EQ(hint(domain, "cached_node"), "anchor");
  EXPECT_EQ(domain.validate(), "cached32_node refers to a freed node");
}

#ifdef __SANITIZE_ADDRESS__
// The stale pointer is a real one: the next 32-bit allocation reads the freed node.
TEST(Z4DeathTest, NextAllocationReadsTheFreedNode) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Domain domain(geometry(0x10), variant("z4-stale-cached32"));
        leave_cached32_on_a_high_node(domain);
        domain.alloc_iova(1, 0xf, true);
      },
      "heap-use-after-free");
}
#endif

// high = 3 < size 4: (3 - 4) & ~3 wraps to 2^64 - 4.
TEST(Z5, WrappedCandidateIsHandedOut) {
  Domain reference(geometry(0x10), mainline());
  EXPECT_EQ(reference.alloc_iova(4, 0x2, true), failed());

  Domain domain(geometry(0x10), variant("z5-no-underflow-guard"));
  EXPECT_EQ(domain.alloc_iova(4, 0x2, true), ok(kMax - 3));
  EXPECT_EQ(domain.validate(),
            "nodes overlap: [0xfffffffffffffffc, 0xffffffffffffffff] and [0xffffffffffffffff, 0xffffffffffffffff]");
}

// With high = 0 a size-1 candidate wraps to the anchor's pfn_lo: the tree refuses the node (as
// the kernel's insert does) while the caller holds it and cached_node points at it.
TEST(Z5, WrappedCandidateOnTheAnchorStaysUnlinked) {
  Domain domain(geometry(0x10, 127, 1, 0), variant("z5-no-underflow-guard"));
  ASSERT_EQ(domain.reserve_iova(0x0, 0x0).status, Status::Ok);
  EXPECT_EQ(domain.alloc_iova(1, 0x0, true), ok(kMax));
  EXPECT_EQ(domain.nodes(), (std::vector<Node>{{0x0, 0x0}, {kMax, kMax}}));
  EXPECT_EQ(hint(domain, "cached_node"), "the unlinked node [0xffffffffffffffff, 0xffffffffffffffff]");
  EXPECT_EQ(domain.validate(),
            "node [0xffffffffffffffff, 0xffffffffffffffff] was handed out but never linked: its pfn_lo is taken");
}

TEST(LimitWrap, LimitAtTheTopFailsAndSetsMax32) {
  Domain domain(geometry(0x100), mainline());
  EXPECT_EQ(domain.alloc_iova(1, kMax, true), failed());
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x1");
  Domain best_fit(geometry(0x100), variant("p1-best-fit"));
  EXPECT_EQ(best_fit.alloc_iova(1, kMax, true), failed());
  EXPECT_EQ(hint(best_fit, "max32_alloc_size"), "0x100");
}

// Gaps: [0x1, 0xf] 15, [0x11, 0x13] 3, [0x15, 0x1f] 11, above 0x20 the rest.
TEST(P1, TakesTheSmallestGapThatFits) {
  for (const char* name : {"mainline", "p1-best-fit"}) {
    Domain domain(geometry(0x1000), variant(name));
    for (Pfn pfn : {0x10, 0x14, 0x20}) ASSERT_EQ(domain.reserve_iova(pfn, pfn).status, Status::Ok);
    const AllocResult expected = std::string_view(name) == "mainline" ? ok(0xfe) : ok(0x12);
    EXPECT_EQ(domain.alloc_iova(2, 0xff, true), expected) << name;
  }
}

TEST(P1, TiesGoToTheHigherGap) {
  Domain domain(geometry(0x1000), variant("p1-best-fit"));
  for (Pfn pfn : {0x10, 0x14, 0x30, 0x34}) ASSERT_EQ(domain.reserve_iova(pfn, pfn).status, Status::Ok);
  EXPECT_EQ(domain.alloc_iova(2, 0xff, false), ok(0x32));
}

TEST(P1, AnExactFitWins) {
  Domain domain(geometry(0x1000), variant("p1-best-fit"));
  for (Pfn pfn : {0x8, 0xb, 0x10, 0x14, 0x30, 0x34}) ASSERT_EQ(domain.reserve_iova(pfn, pfn).status, Status::Ok);
  EXPECT_EQ(domain.alloc_iova(2, 0xff, false), ok(0x9));
}

// [0x10, 0x3f] is 48 long though only [0x10, 0x13] lies below the limit; [0x2, 0x5] is 4.
TEST(P1, ComparesWholeGapsNotClippedByTheLimit) {
  Domain domain(geometry(0x1000), variant("p1-best-fit"));
  ASSERT_EQ(domain.reserve_iova(0x1, 0x1).status, Status::Ok);
  ASSERT_EQ(domain.reserve_iova(0x6, 0xf).status, Status::Ok);
  ASSERT_EQ(domain.reserve_iova(0x40, 0x40).status, Status::Ok);
  EXPECT_EQ(domain.alloc_iova(2, 0x13, true), ok(0x4));
}

TEST(P1, NeverSearchesBelowStartPfn) {
  Domain domain(geometry(0x1000, 127, 1, 0x4), variant("p1-best-fit"));
  ASSERT_EQ(domain.reserve_iova(0x0, 0x0).status, Status::Ok);
  ASSERT_EQ(domain.reserve_iova(0x6, 0x6).status, Status::Ok);
  EXPECT_EQ(domain.alloc_iova(2, 0x5, false), ok(0x4));
  EXPECT_EQ(domain.alloc_iova(1, 0x5, false), failed());
}

TEST(P1, AllocNeitherUpdatesHintsNorChecksOrSetsMax32) {
  TreeSnapshot snapshot;
  snapshot.max32_alloc_size = 1;
  Domain reference(geometry(0x1000), mainline(), &snapshot);
  EXPECT_EQ(reference.alloc_iova(1, 0xff, true), failed());

  Domain domain(geometry(0x1000), variant("p1-best-fit"), &snapshot);
  EXPECT_EQ(domain.alloc_iova(1, 0xff, true), ok(0xff));
  EXPECT_EQ(hint(domain, "cached32_node"), "anchor");
  EXPECT_EQ(domain.alloc_iova(0x200, 0xff, true), failed());
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x1");
}

TEST(P1, RemovalUpdatesHintsAsMainline) {
  TreeSnapshot snapshot;
  snapshot.nodes = {{0x10, 0x10}, {0x20, 0x20}};
  snapshot.cached32_lo = 0x10;
  snapshot.max32_alloc_size = 2;
  for (const char* name : {"mainline", "p1-best-fit"}) {
    Domain domain(geometry(0x1000), variant(name), &snapshot);
    ASSERT_EQ(domain.free_iova(0x10), Status::Ok);
    EXPECT_EQ(hint(domain, "cached32_node"), "0x20") << name;
    EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x1000") << name;
  }
}

TEST(Removal, Cached32MovesToTheSuccessorOfAFreedNodeAtOrAboveIt) {
  Domain domain(geometry(0x100), mainline());
  ASSERT_EQ(domain.alloc_iova(1, 0xf, true), ok(0xf));
  ASSERT_EQ(domain.alloc_iova(1, 0xf, true), ok(0xe));
  ASSERT_EQ(domain.alloc_iova(1, 0xf, true), ok(0xd));
  ASSERT_EQ(domain.free_iova(0xe), Status::Ok);  // above cached32 [0xd]: moves to [0xf]
  EXPECT_EQ(hint(domain, "cached32_node"), "0xf");
  ASSERT_EQ(domain.free_iova(0xd), Status::Ok);  // below it: stays
  EXPECT_EQ(hint(domain, "cached32_node"), "0xf");
  ASSERT_EQ(domain.free_iova(0xf), Status::Ok);
  EXPECT_EQ(hint(domain, "cached32_node"), "anchor");
}

TEST(Free, AnyPfnInsideTheNodeFreesIt) {
  Domain domain(geometry(0x100), mainline());
  ASSERT_EQ(domain.alloc_iova(8, 0xff, true), ok(0xf8));
  EXPECT_EQ(domain.find_iova(0xfb), (Node{0xf8, 0xff}));
  EXPECT_EQ(domain.free_iova(0xfb), Status::Ok);
  EXPECT_EQ(domain.find_iova(0xfb), std::nullopt);
  EXPECT_EQ(domain.free_iova(0xf8), Status::BadInput);
}

TEST(Reserve, NewNodeInAGap) {
  Domain domain(geometry(0x100), mainline());
  EXPECT_EQ(domain.reserve_iova(0x5, 0x9).node, (Node{0x5, 0x9}));
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0x5, 0x9}}));
  EXPECT_EQ(hint(domain, "cached32_node"), "anchor");
}

TEST(Reserve, ExtendsAnAllocatedNodeDownward) {
  Domain domain(geometry(0x100), mainline());
  ASSERT_EQ(domain.alloc_iova(4, 0x13, true), ok(0x10));
  ASSERT_EQ(hint(domain, "cached32_node"), "0x10");
  const ReserveResult result = domain.reserve_iova(0xe, 0x11);
  EXPECT_EQ(result.status, Status::Ok);
  EXPECT_EQ(result.node, (Node{0xe, 0x13}));
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0xe, 0x13}}));
  EXPECT_EQ(hint(domain, "cached32_node"), "0xe");  // the same node, lowered in place
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x100");
  EXPECT_EQ(domain.free_iova(0x10), Status::Ok);
  EXPECT_EQ(allocated(domain), std::vector<Node>{});
}

TEST(Reserve, WhatLiesAboveANodeBecomesANewNode) {
  Domain domain(geometry(0x100), mainline());
  ASSERT_EQ(domain.alloc_iova(4, 0x13, true), ok(0x10));
  EXPECT_EQ(domain.reserve_iova(0x8, 0x20).node, (Node{0x14, 0x20}));
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0x8, 0x13}, {0x14, 0x20}}));
}

TEST(Reserve, AcrossTwoNodesMergesTheGapIntoTheUpperOne) {
  Domain domain(geometry(0x100), mainline());
  ASSERT_EQ(domain.reserve_iova(0x10, 0x13).status, Status::Ok);
  ASSERT_EQ(domain.reserve_iova(0x18, 0x1b).status, Status::Ok);
  EXPECT_EQ(domain.reserve_iova(0x12, 0x19).node, (Node{0x14, 0x1b}));
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0x10, 0x13}, {0x14, 0x1b}}));
  EXPECT_EQ(domain.validate(), std::nullopt);
}

TEST(Reserve, InsideANodeReturnsItUnchanged) {
  Domain domain(geometry(0x100), mainline());
  ASSERT_EQ(domain.reserve_iova(0x10, 0x1f).status, Status::Ok);
  EXPECT_EQ(domain.reserve_iova(0x12, 0x14).node, (Node{0x10, 0x1f}));
  EXPECT_EQ(allocated(domain), (std::vector<Node>{{0x10, 0x1f}}));
}

TEST(Reserve, UpToTheShiftedCeiling) {
  Domain domain(geometry(0x100), mainline());
  const Pfn ceiling = kMax >> 12;
  EXPECT_EQ(domain.reserve_iova(ceiling - 1, ceiling).node, (Node{ceiling - 1, ceiling}));
  EXPECT_EQ(domain.reserve_iova(ceiling, ceiling + 1).status, Status::BadInput);
}

// With a 1-byte granule the ceiling is 2^64-1 and a reserve reaching it lowers the anchor, which
// validate() reports: the kernel's put_iova_domain would then kfree the anchor, a member of
// iova_domain (finding F9, docs/findings.md).
TEST(Reserve, GranuleOneCanLowerTheAnchor) {
  Config config = geometry(0x100);
  config.granule = 1;
  Domain domain(config, mainline());
  EXPECT_EQ(domain.reserve_iova(kMax - 3, kMax).node, (Node{kMax - 3, kMax}));
  EXPECT_EQ(domain.nodes(), (std::vector<Node>{{kMax - 3, kMax}}));
  EXPECT_EQ(domain.validate(), "the anchor starts at 0xfffffffffffffffc, not 2^64-1: a reserve grew it");
  EXPECT_EQ(domain.free_iova(kMax - 3), Status::BadInput);
}

TEST(BadInput, RejectedWithoutStateChange) {
  Domain domain(geometry(0x100, 2, 2), mainline());
  ASSERT_EQ(domain.alloc_iova(4, 0xff, true), ok(0xfc));
  ASSERT_EQ(domain.alloc_iova_fast(1, 0xff, 0, true), ok(0xfb));
  ASSERT_EQ(domain.free_iova_fast(0xfb, 1, 0), Status::Ok);
  const auto nodes = domain.nodes();
  const auto cached = domain.cached();
  const std::string described = domain.describe();

  EXPECT_EQ(domain.alloc_iova(0, 0xff, true), rejected());
  EXPECT_EQ(domain.alloc_iova_fast(0, 0xff, 0, true), rejected());
  EXPECT_EQ(domain.alloc_iova_fast(1, 0xff, 2, true), rejected());
  EXPECT_EQ(domain.free_iova_fast(0xfc, 4, 2), Status::BadInput);
  EXPECT_EQ(domain.free_iova_fast(0xfc, 0, 0), Status::BadInput);
  EXPECT_EQ(domain.free_iova_fast(0x10, 1, 0), Status::BadInput);  // no node
  EXPECT_EQ(domain.free_iova_fast(kMax, 1, 0), Status::BadInput);  // the anchor
  EXPECT_EQ(domain.free_iova(0x10), Status::BadInput);
  EXPECT_EQ(domain.free_iova(kMax), Status::BadInput);
  EXPECT_EQ(domain.free_cpu_cached_iovas(2), Status::BadInput);
  EXPECT_EQ(domain.reserve_iova(0x20, 0x1f).status, Status::BadInput);
  EXPECT_EQ(domain.reserve_iova(0x20, kMax).status, Status::BadInput);

  EXPECT_EQ(domain.nodes(), nodes);
  EXPECT_EQ(domain.cached(), cached);
  EXPECT_EQ(domain.describe(), described);
  EXPECT_EQ(domain.validate(), std::nullopt);
}

TEST(BadInput, ConfigsTheDomainCannotHold) {
  auto build = [](auto edit) {
    Config config = geometry(0x100);
    edit(config);
    Domain domain(config, mainline());
  };
  EXPECT_THROW(build([](Config& c) { c.granule = 0x1800; }), std::invalid_argument);
  EXPECT_THROW(build([](Config& c) { c.granule = 0; }), std::invalid_argument);
  EXPECT_THROW(build([](Config& c) { c.dma32_pfn = 1; }), std::invalid_argument);
  EXPECT_THROW(build([](Config& c) { c.dma32_pfn = 0x180; }), std::invalid_argument);
  EXPECT_THROW(build([](Config& c) { c.mag_size = 0; }), std::invalid_argument);
  EXPECT_THROW(build([](Config& c) { c.cpus = 0; }), std::invalid_argument);
  EXPECT_NO_THROW(build([](Config& c) { c.dma32_pfn = 2; }));
}

TEST(Snapshot, BuildsNodesHintsAndMax32) {
  TreeSnapshot snapshot;
  snapshot.nodes = {{0x40, 0x40}, {kMax, kMax}, {0x10, 0x1f}};
  snapshot.cached32_lo = 0x10;
  snapshot.cached_lo = 0x40;
  snapshot.max32_alloc_size = 5;
  Domain domain(geometry(0x100), mainline(), &snapshot);
  EXPECT_EQ(domain.nodes(), (std::vector<Node>{{0x10, 0x1f}, {0x40, 0x40}, {kMax, kMax}}));
  EXPECT_EQ(hint(domain, "cached32_node"), "0x10");
  EXPECT_EQ(hint(domain, "cached_node"), "0x40");
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x5");
  EXPECT_EQ(domain.validate(), std::nullopt);
  EXPECT_EQ(domain.alloc_iova(5, 0xff, false), failed());  // step 2, no state change
  EXPECT_EQ(hint(domain, "max32_alloc_size"), "0x5");
  EXPECT_EQ(domain.alloc_iova(4, 0xff, true), ok(0xc));  // walks down from cached32_node
}

TEST(Snapshot, RejectsWhatTheTreeCannotHold) {
  auto build = [](TreeSnapshot snapshot) { Domain domain(geometry(0x100), mainline(), &snapshot); };
  EXPECT_THROW(build(TreeSnapshot{{{0x10, 0x1f}, {0x1f, 0x20}}, {}, {}, {}}), std::invalid_argument);
  EXPECT_THROW(build(TreeSnapshot{{{0x10, 0x1f}, {0x10, 0x10}}, {}, {}, {}}), std::invalid_argument);
  EXPECT_THROW(build(TreeSnapshot{{{0x20, 0x10}}, {}, {}, {}}), std::invalid_argument);
  EXPECT_THROW(build(TreeSnapshot{{{0x10, kMax}}, {}, {}, {}}), std::invalid_argument);
  EXPECT_THROW(build(TreeSnapshot{{{0x10, 0x1f}}, 0x11, {}, {}}), std::invalid_argument);
  EXPECT_THROW(build(TreeSnapshot{{{0x10, 0x1f}}, {}, 0x30, {}}), std::invalid_argument);
  EXPECT_NO_THROW(build(TreeSnapshot{{{0x10, 0x1f}}, kMax, 0x10, {}}));
}

TEST(Find, NodesOfEveryOwner) {
  Domain domain(geometry(0x100), mainline());
  ASSERT_EQ(domain.alloc_iova(4, 0xff, true), ok(0xfc));
  ASSERT_EQ(domain.reserve_iova(0x10, 0x11).status, Status::Ok);
  ASSERT_EQ(domain.alloc_iova_fast(2, 0xff, 0, true), ok(0xfa));
  ASSERT_EQ(domain.free_iova_fast(0xfa, 2, 0), Status::Ok);
  EXPECT_EQ(domain.find_iova(0xfe), (Node{0xfc, 0xff}));
  EXPECT_EQ(domain.find_iova(0x11), (Node{0x10, 0x11}));
  EXPECT_EQ(domain.find_iova(0xfb), (Node{0xfa, 0xfb}));  // held by a range cache
  EXPECT_EQ(domain.find_iova(0x12), std::nullopt);
  EXPECT_EQ(domain.find_iova(kMax), (Node{kMax, kMax}));
}

}  // namespace
}  // namespace iovacheck::impl
