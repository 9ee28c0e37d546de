// The reference model judged directly: hand-made outcomes and observations, one rule at a time.
#include "model/model.h"

#include <gtest/gtest.h>

namespace iovacheck {
namespace {

constexpr Range kAnchor{kMaxPfn, kMaxPfn};

Geometry small_geometry(unsigned mag = 2, unsigned cpus = 2) {
  Geometry geometry;
  geometry.start_pfn = 1;
  geometry.dma32_pfn = 0x100;
  geometry.mag_size = mag;
  geometry.cpus = cpus;
  return geometry;
}

std::string print_for_test(const Op& op) { return std::string(keyword(op)); }

Outcome ok_at(Pfn pfn, Range node) { return Outcome{Outcome::Status::Ok, pfn, node}; }
Outcome done() { return Outcome{}; }
Outcome failed() { return Outcome{Outcome::Status::Fail, 0, std::nullopt}; }

Observation tree(std::vector<Range> nodes, std::vector<CachedPfn> cached = {}) {
  nodes.push_back(kAnchor);
  return Observation{std::move(nodes), std::move(cached)};
}

CachedPfn on_cpu(Pfn pfn, unsigned bin, unsigned cpu) { return CachedPfn{pfn, bin, CacheSlot{cpu}}; }
CachedPfn in_depot(Pfn pfn, unsigned bin) { return CachedPfn{pfn, bin, CacheSlot{}}; }

// Applies an op the model must accept; fails the test otherwise.
void accept(Model& model, const Op& op, const Outcome& outcome, const Observation& after) {
  ASSERT_FALSE(model.caller_error(op)) << model.caller_error(op)->reason();
  auto judged = model.judge(op, outcome, after);
  ASSERT_FALSE(judged) << property_name(judged->property) << ": " << judged->reason;
}

Property rejected_for(Model& model, const Op& op, const Outcome& outcome, const Observation& after) {
  auto judged = model.judge(op, outcome, after);
  EXPECT_TRUE(judged);
  return judged ? judged->property : Property::Structure;
}

TEST(ModelAlloc, AdoptsASoundPlacement) {
  Model model(small_geometry());
  accept(model, Alloc{"", 2, 0xff, true}, ok_at(0xfe, {0xfe, 0xff}), tree({{0xfe, 0xff}}));
  EXPECT_NE(model.ranges().at(0xfe), nullptr);
}

TEST(ModelAlloc, ResultAboveTheLimitIsUnsound) {
  Model model(small_geometry());
  EXPECT_EQ(rejected_for(model, Alloc{"", 2, 0xfe, true}, ok_at(0xfe, {0xfe, 0xff}), tree({{0xfe, 0xff}})),
            Property::Soundness);
}

TEST(ModelAlloc, UnalignedResultIsUnsoundOnlyWhenAlignmentWasAsked) {
  Model aligned(small_geometry());
  EXPECT_EQ(rejected_for(aligned, Alloc{"", 2, 0xff, true}, ok_at(0x3, {0x3, 0x4}), tree({{0x3, 0x4}})),
            Property::Soundness);
  Model unaligned(small_geometry());
  accept(unaligned, Alloc{"", 2, 0xff, false}, ok_at(0x3, {0x3, 0x4}), tree({{0x3, 0x4}}));
}

TEST(ModelAlloc, ResultBelowStartPfnOrOverlappingIsUnsound) {
  Model model(small_geometry());
  EXPECT_EQ(rejected_for(model, Alloc{"", 1, 0xff, true}, ok_at(0, {0, 0}), tree({{0, 0}})), Property::Soundness);
  accept(model, Alloc{"", 4, 0xff, true}, ok_at(0x10, {0x10, 0x13}), tree({{0x10, 0x13}}));
  EXPECT_EQ(rejected_for(model, Alloc{"", 1, 0xff, true}, ok_at(0x12, {0x12, 0x12}), tree({{0x10, 0x13}, {0x12, 0x12}})),
            Property::Soundness);
}

TEST(ModelAlloc, FailureWithAFittingGapIsIncomplete) {
  Model model(small_geometry());
  auto judged = model.judge(Alloc{"", 2, 0x3, true}, failed(), tree({}));
  ASSERT_TRUE(judged);
  EXPECT_EQ(judged->property, Property::Completeness);
  EXPECT_NE(judged->reason.find("a fitting gap [0x2, 0x3] exists at or below limit 0x3"), std::string::npos) << judged->reason;
}

TEST(ModelAlloc, FailureWithoutAFittingGapIsAllowed) {
  Model model(small_geometry());
  accept(model, Alloc{"", 1, 0x3, true}, ok_at(0x2, {0x2, 0x2}), tree({{0x2, 0x2}}));
  // Free are 0x1 and 0x3: no aligned pair.
  accept(model, Alloc{"", 2, 0x3, true}, failed(), tree({{0x2, 0x2}}));
  // Unaligned, a pair does not fit either.
  accept(model, Alloc{"", 2, 0x3, false}, failed(), tree({{0x2, 0x2}}));
}

TEST(ModelAlloc, LimitBelowStartPfnLeavesNoGap) {
  Geometry geometry = small_geometry();
  geometry.start_pfn = 0x10;
  Model model(geometry);
  accept(model, Alloc{"", 1, 0xf, true}, failed(), tree({}));
}

TEST(ModelAlloc, TheWholeSpaceBelowTheAnchorCanBeAllocated) {
  Geometry geometry = small_geometry();
  geometry.start_pfn = 0;
  Model model(geometry);
  accept(model, Alloc{"", kMaxPfn, kMaxPfn - 1, false}, ok_at(0, {0, kMaxPfn - 1}), tree({{0, kMaxPfn - 1}}));
}

TEST(ModelConservation, AVanishedOrInventedNodeIsReported) {
  Model model(small_geometry());
  EXPECT_EQ(rejected_for(model, Alloc{"", 1, 0xff, true}, ok_at(0xff, {0xff, 0xff}), tree({})), Property::Conservation);
  EXPECT_EQ(rejected_for(model, Find{0x5}, failed(), tree({{0x7, 0x7}})), Property::Conservation);
}

TEST(ModelCallerErrors, FreesOnlyOfLiveCallerRanges) {
  Model model(small_geometry());
  accept(model, Alloc{"", 1, 0xff, true}, ok_at(0xff, {0xff, 0xff}), tree({{0xff, 0xff}}));
  accept(model, Reserve{0x10, 0x1f}, Outcome{Outcome::Status::Ok, 0, Range{0x10, 0x1f}}, tree({{0x10, 0x1f}, {0xff, 0xff}}));
  EXPECT_FALSE(model.caller_error(Free{{0xff, ""}}));
  EXPECT_TRUE(model.caller_error(Free{{0x15, ""}}));               // reserved
  EXPECT_TRUE(model.caller_error(Free{{0x40, ""}}));               // nothing there
  EXPECT_TRUE(model.caller_error(FastFree{{0xff, ""}, 1, 0}));     // alloc'd range freed fast
  EXPECT_TRUE(model.caller_error(Alloc{"", 0, 0xff, true}));       // size 0
  EXPECT_TRUE(model.caller_error(FastAlloc{"", 1, 0xff, 2, true}));  // no cpu 2
  EXPECT_TRUE(model.caller_error(Reserve{0x5, 0x4}));
  EXPECT_TRUE(model.caller_error(Reserve{0x5, kMaxPfn}));          // above 2^64-1 >> 12
}

TEST(ModelCallerErrors, TheApiRefusesWhatItDefinesAsBadInput) {
  Model model(small_geometry());
  accept(model, Reserve{0x10, 0x1f}, Outcome{Outcome::Status::Ok, 0, Range{0x10, 0x1f}}, tree({{0x10, 0x1f}}));
  for (const Op& refused : {Op{Alloc{"", 0, 0xff, true}}, Op{FastAlloc{"", 1, 0xff, 2, true}}, Op{Free{{0x40, ""}}},
                            Op{Reserve{0x5, 0x4}}, Op{Flush{Flush::Scope::Cpu, 7}}, Op{FastFree{{0x40, ""}, 0, 0}}}) {
    ASSERT_TRUE(model.caller_error(refused)) << print_for_test(refused);
    EXPECT_TRUE(model.caller_error(refused)->must_refuse) << model.caller_error(refused)->reason();
  }
  // Undefined in the kernel: never applied.
  EXPECT_FALSE(model.caller_error(Free{{0x15, ""}})->must_refuse);
  EXPECT_FALSE(model.caller_error(FastFree{{0x40, ""}, 1, 0})->must_refuse);
}

TEST(ModelCallerErrors, ARefusalMustChangeNothing) {
  Model model(small_geometry());
  EXPECT_FALSE(model.judge_refusal(Outcome{Outcome::Status::Rejected, 0, std::nullopt}, tree({})));
  auto accepted = model.judge_refusal(Outcome{Outcome::Status::Ok, 0x10, Range{0x10, 0x10}}, tree({{0x10, 0x10}}));
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->property, Property::Rejection);
  auto changed = model.judge_refusal(Outcome{Outcome::Status::Rejected, 0, std::nullopt}, tree({{0x10, 0x10}}));
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->property, Property::Rejection);
}

TEST(ModelCallerErrors, JudgingACallerErrorIsAProgrammingError) {
  Model model(small_geometry());
  EXPECT_THROW(model.judge(Free{{0x40, ""}}, done(), tree({})), std::logic_error);
}

TEST(ModelCallerErrors, FastRangesNeedTheirOriginalSize) {
  Model model(small_geometry());
  accept(model, FastAlloc{"", 3, 0xff, 0, true}, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}}));
  EXPECT_TRUE(model.caller_error(Free{{0xfc, ""}}));
  EXPECT_TRUE(model.caller_error(FastFree{{0xfc, ""}, 4, 0}));
  EXPECT_TRUE(model.caller_error(FastFree{{0xfd, ""}, 3, 0}));
  EXPECT_FALSE(model.caller_error(FastFree{{0xfc, ""}, 3, 0}));
}

TEST(ModelRangeCache, FastResultsHaveTheRoundedSize) {
  Model model(small_geometry());
  EXPECT_EQ(rejected_for(model, FastAlloc{"", 3, 0xff, 0, true}, ok_at(0xfc, {0xfc, 0xfe}), tree({{0xfc, 0xfe}})),
            Property::Soundness);
  Model unaligned(small_geometry());
  EXPECT_EQ(rejected_for(unaligned, FastAlloc{"", 3, 0xff, 0, true}, ok_at(0xfd, {0xfd, 0xff}), tree({{0xfd, 0xff}})),
            Property::Soundness);
}

// Cache one size-4 range freed on cpu 0; returns the model in that state.
Model with_cached_range(Pfn pfn, unsigned cpu = 0) {
  Model model(small_geometry());
  accept(model, FastAlloc{"", 4, 0xff, cpu, true}, ok_at(pfn, {pfn, pfn + 3}), tree({{pfn, pfn + 3}}));
  accept(model, FastFree{{pfn, ""}, 4, cpu}, done(), tree({{pfn, pfn + 3}}, {on_cpu(pfn, 2, cpu)}));
  return model;
}

TEST(ModelRangeCache, FreedRangeLandsOnTheFreeingCpu) {
  Model model = with_cached_range(0xfc);
  EXPECT_EQ(model.ranges().at(0xfc)->owner.kind, Owner::Kind::Cached);
  Model elsewhere(small_geometry());
  accept(elsewhere, FastAlloc{"", 4, 0xff, 0, true}, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}}));
  EXPECT_EQ(rejected_for(elsewhere, FastFree{{0xfc, ""}, 4, 0}, done(), tree({{0xfc, 0xff}}, {on_cpu(0xfc, 2, 1)})),
            Property::RangeCache);
}

TEST(ModelRangeCache, HitReturnsTheCachedRangeOnTheSameCpu) {
  Model model = with_cached_range(0xfc);
  accept(model, FastAlloc{"", 3, 0xff, 0, true}, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}}));
  EXPECT_EQ(model.ranges().at(0xfc)->owner.kind, Owner::Kind::FastAllocated);
}

TEST(ModelRangeCache, HitFromAnotherCpusMagazineIsWrong) {
  Model model = with_cached_range(0xfc, 1);
  EXPECT_EQ(rejected_for(model, FastAlloc{"", 4, 0xff, 0, true}, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}})),
            Property::RangeCache);
}

// A fast allocation's ways are judged with their reasons omitted; when every way is rejected the
// verdict is the first way's (here the hit's), with its reason, or without one when omitted.
TEST(ModelRangeCache, EveryWayRejectedGivesTheFirstWaysReason) {
  const Op fast = FastAlloc{"", 4, 0xff, 0, true};
  Model explaining = with_cached_range(0xfc, 1);
  auto judged = explaining.judge(fast, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}}));
  ASSERT_TRUE(judged);
  EXPECT_EQ(judged->property, Property::RangeCache);
  EXPECT_EQ(judged->reason, "fast hit on cached pfn 0xfc held by cpu 1, asked on cpu 0");
  Model omitting(small_geometry(), nullptr, Reasons::Omitted);
  accept(omitting, FastAlloc{"", 4, 0xff, 1, true}, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}}));
  accept(omitting, FastFree{{0xfc, ""}, 4, 1}, done(), tree({{0xfc, 0xff}}, {on_cpu(0xfc, 2, 1)}));
  auto bare = omitting.judge(fast, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}}));
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->property, Property::RangeCache);
  EXPECT_TRUE(bare->reason.empty()) << bare->reason;
}

TEST(ModelRangeCache, HitEndingAboveTheLimitIsUnsound) {
  Model model = with_cached_range(0xfc);
  auto judged = model.judge(FastAlloc{"", 4, 0xfe, 0, true}, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}}));
  ASSERT_TRUE(judged);
  EXPECT_EQ(judged->property, Property::Soundness);
}

// A get with every pfn it could take within the bound must hit (section 4): the CPU's own, or
// the depot's when the CPU holds none. A miss is judged only where it is sure.
TEST(ModelRangeCache, AMissWhenEveryPfnTheGetCouldTakeFitsIsWrong) {
  Model model = with_cached_range(0xfc);  // cpu 0, bin 2, node [0xfc, 0xff]
  auto judged = model.judge(FastAlloc{"", 4, 0xff, 0, true}, ok_at(0xf8, {0xf8, 0xfb}),
                            tree({{0xf8, 0xfb}, {0xfc, 0xff}}, {on_cpu(0xfc, 2, 0)}));
  ASSERT_TRUE(judged);
  EXPECT_EQ(judged->property, Property::RangeCache);
  EXPECT_NE(judged->reason.find("fast missed its range cache"), std::string::npos) << judged->reason;
  Model failing = with_cached_range(0xfc);
  EXPECT_EQ(rejected_for(failing, FastAlloc{"", 4, 0xff, 0, false}, failed(), tree({{0xfc, 0xff}}, {on_cpu(0xfc, 2, 0)})),
            Property::RangeCache);
}

TEST(ModelRangeCache, AMissIsAllowedWhereTheBoundOrTheCpuRulesItOut) {
  Model below = with_cached_range(0xfc);  // the cached range ends above limit 0xfe: a miss is right
  accept(below, FastAlloc{"", 4, 0xfe, 0, true}, ok_at(0xf8, {0xf8, 0xfb}),
         tree({{0xf8, 0xfb}, {0xfc, 0xff}}, {on_cpu(0xfc, 2, 0)}));
  Model other_cpu = with_cached_range(0xfc, 1);  // held by cpu 1, asked on cpu 0 with no depot
  accept(other_cpu, FastAlloc{"", 4, 0xff, 0, true}, ok_at(0xf8, {0xf8, 0xfb}),
         tree({{0xf8, 0xfb}, {0xfc, 0xff}}, {on_cpu(0xfc, 2, 1)}));
}

TEST(ModelRangeCache, FlushReleasesOnlyItsScope) {
  Model model = with_cached_range(0xfc, 1);
  accept(model, Flush{Flush::Scope::Cpu, 0}, done(), tree({{0xfc, 0xff}}, {on_cpu(0xfc, 2, 1)}));
  EXPECT_EQ(rejected_for(model, Flush{Flush::Scope::Depot, 0}, done(), tree({})), Property::RangeCache);
  accept(model, Flush{Flush::Scope::Cpu, 1}, done(), tree({}));
  EXPECT_TRUE(model.ranges().size() == 1);  // the anchor
}

TEST(ModelRangeCache, DepotHoldsWholeMagazines) {
  Model model(small_geometry(1, 1));
  accept(model, FastAlloc{"", 1, 0xff, 0, true}, ok_at(0xff, {0xff, 0xff}), tree({{0xff, 0xff}}));
  EXPECT_EQ(rejected_for(model, FastFree{{0xff, ""}, 1, 0}, done(), tree({{0xff, 0xff}}, {in_depot(0xff, 0)})),
            Property::RangeCache);  // the freed pfn goes to the cpu's loaded magazine
}

// With magazines of one pfn and one cpu, frees of 0x10.. on cpu 0 fill loaded, then prev, then
// push to the depot; returns the model with `count` such ranges freed.
Model with_single_pfn_magazines(std::vector<Range>& nodes, std::vector<CachedPfn>& cached, Pfn count) {
  Model model(small_geometry(1, 1));
  for (Pfn pfn = 0x10; pfn < 0x10 + count; ++pfn) {
    nodes.push_back({pfn, pfn});
    accept(model, FastAlloc{"", 1, 0xff, 0, true}, ok_at(pfn, {pfn, pfn}), tree(nodes));
  }
  for (Pfn pfn = 0x10; pfn < 0x10 + count; ++pfn) {
    for (CachedPfn& entry : cached)  // the full loaded magazine goes to the depot
      if (cached.size() >= 2 && entry.pfn == pfn - 1) entry.slot = CacheSlot{};
    cached.push_back(on_cpu(pfn, 0, 0));
    accept(model, FastFree{{pfn, ""}, 1, 0}, done(), tree(nodes, cached));
  }
  return model;
}

TEST(ModelRangeCache, TrimKeepsAsManyMagazinesAsCpus) {
  std::vector<Range> nodes;
  std::vector<CachedPfn> cached;
  Model model = with_single_pfn_magazines(nodes, cached, 3);  // depot: 0x11
  EXPECT_EQ(rejected_for(model, Trim{}, done(), tree({{0x10, 0x10}, {0x12, 0x12}}, {on_cpu(0x10, 0, 0), on_cpu(0x12, 0, 0)})),
            Property::RangeCache);
  accept(model, Trim{}, done(), tree(nodes, cached));
}

TEST(ModelRangeCache, TrimReturnsOneMagazineWhenTheDepotHoldsMoreThanCpus) {
  std::vector<Range> nodes;
  std::vector<CachedPfn> cached;
  Model model = with_single_pfn_magazines(nodes, cached, 4);  // depot: 0x11, 0x12
  ASSERT_EQ(cached[1].slot, CacheSlot{});
  ASSERT_EQ(cached[2].slot, CacheSlot{});
  EXPECT_EQ(rejected_for(model, Trim{}, done(), tree(nodes, cached)), Property::RangeCache);
  // Either depot pfn may go; the model does not know the magazines' order.
  accept(model, Trim{}, done(), tree({{0x10, 0x10}, {0x11, 0x11}, {0x13, 0x13}}, {cached[0], cached[1], cached[3]}));
}

TEST(ModelRangeCache, FastFailureWithFlushCountsCachedRangesAsFree) {
  Geometry geometry = small_geometry();
  geometry.start_pfn = 0xfc;
  Model model(geometry);
  accept(model, FastAlloc{"", 4, 0xff, 0, true}, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}}));
  accept(model, FastFree{{0xfc, ""}, 4, 0}, done(), tree({{0xfc, 0xff}}, {on_cpu(0xfc, 2, 0)}));
  // A size-2 request misses the size-4 bin; the flush frees [0xfc, 0xff], so failing is incomplete.
  EXPECT_EQ(rejected_for(model, FastAlloc{"", 2, 0xff, 0, true}, failed(), tree({})), Property::Completeness);
  // Without flush the cached range stays in the way: failing is fine.
  accept(model, FastAlloc{"", 2, 0xff, 0, false}, failed(), tree({{0xfc, 0xff}}, {on_cpu(0xfc, 2, 0)}));
  // With flush, succeeding after draining the cache is fine.
  accept(model, FastAlloc{"", 2, 0xff, 0, true}, ok_at(0xfe, {0xfe, 0xff}), tree({{0xfe, 0xff}}));
}

TEST(ModelRangeCache, AFastPathFlushMustDrainTheDepotToo) {
  std::vector<Range> nodes;
  std::vector<CachedPfn> cached;
  Model model = with_single_pfn_magazines(nodes, cached, 3);  // depot: 0x11
  // 0x100 pages cannot fit below 0x100 with start_pfn 1, even after draining everything.
  const FastAlloc too_big{"", 0x100, 0xff, 0, true};
  EXPECT_EQ(rejected_for(model, too_big, failed(), tree({{0x11, 0x11}}, {cached[1]})), Property::Conservation);
  accept(model, too_big, failed(), tree({}));
}

TEST(ModelRangeCache, AMagazineGoesToTheDepotOnlyWhenLoadedAndPrevAreFull) {
  // 0x12 is allocated before anything is cached: with 0x10 or 0x11 cached a get would hit.
  Model model(small_geometry(1, 1));
  std::vector<Range> nodes;
  for (Pfn pfn : {Pfn{0x10}, Pfn{0x11}, Pfn{0x12}}) {
    nodes.push_back({pfn, pfn});
    accept(model, FastAlloc{"", 1, 0xff, 0, true}, ok_at(pfn, {pfn, pfn}), tree(nodes));
  }
  accept(model, FastFree{{0x10, ""}, 1, 0}, done(), tree(nodes, {on_cpu(0x10, 0, 0)}));
  accept(model, FastFree{{0x11, ""}, 1, 0}, done(), tree(nodes, {on_cpu(0x10, 0, 0), on_cpu(0x11, 0, 0)}));
  // cpu 0 holds 0x10 (prev) and 0x11 (loaded)
  // Both magazines full: exactly one magazine (0x11) must move to the depot.
  EXPECT_EQ(rejected_for(model, FastFree{{0x12, ""}, 1, 0}, done(), tree(nodes, {on_cpu(0x10, 0, 0), on_cpu(0x11, 0, 0), on_cpu(0x12, 0, 0)})),
            Property::RangeCache);
  accept(model, FastFree{{0x12, ""}, 1, 0}, done(), tree(nodes, {on_cpu(0x10, 0, 0), in_depot(0x11, 0), on_cpu(0x12, 0, 0)}));
}

TEST(ModelRangeCache, ACpuWithCachedPfnsNeverPushesEarlyNorTakesFromTheDepot) {
  Model model(small_geometry(2, 1));
  std::vector<Range> nodes;
  for (Pfn pfn : {Pfn{0x10}, Pfn{0x11}}) {
    nodes.push_back({pfn, pfn});
    accept(model, FastAlloc{"", 1, 0xff, 0, true}, ok_at(pfn, {pfn, pfn}), tree(nodes));
  }
  accept(model, FastFree{{0x10, ""}, 1, 0}, done(), tree(nodes, {on_cpu(0x10, 0, 0)}));
  // Loaded is not full: pushing 0x10 to the depot is wrong.
  EXPECT_EQ(rejected_for(model, FastFree{{0x11, ""}, 1, 0}, done(), tree(nodes, {in_depot(0x10, 0), on_cpu(0x11, 0, 0)})),
            Property::RangeCache);
}

TEST(ModelRangeCache, AnEmptyCpuLoadsAWholeDepotMagazine) {
  std::vector<Range> nodes;
  std::vector<CachedPfn> cached;
  Model model = with_single_pfn_magazines(nodes, cached, 3);  // depot: 0x11; cpu 0: 0x10, 0x12
  accept(model, Flush{Flush::Scope::Cpu, 0}, done(), tree({{0x11, 0x11}}, {in_depot(0x11, 0)}));
  // A hit on cpu 0 must come through the depot magazine (mag 1: nothing else moves).
  accept(model, FastAlloc{"", 1, 0xff, 0, true}, ok_at(0x11, {0x11, 0x11}), tree({{0x11, 0x11}}));
}

TEST(ModelRangeCache, AMissOnAnEmptyCpuStillLoadsTheDepotMagazine) {
  std::vector<Range> nodes;
  std::vector<CachedPfn> cached;
  Model model = with_single_pfn_magazines(nodes, cached, 3);  // depot: 0x11
  accept(model, Flush{Flush::Scope::Cpu, 0}, done(), tree({{0x11, 0x11}}, {in_depot(0x11, 0)}));
  // 0x11 does not fit below limit 0x5; the magazine is loaded all the same.
  EXPECT_EQ(rejected_for(model, FastAlloc{"", 1, 0x5, 0, true}, ok_at(0x5, {0x5, 0x5}), tree({{0x5, 0x5}, {0x11, 0x11}}, {in_depot(0x11, 0)})),
            Property::RangeCache);
  accept(model, FastAlloc{"", 1, 0x5, 0, true}, ok_at(0x5, {0x5, 0x5}), tree({{0x5, 0x5}, {0x11, 0x11}}, {on_cpu(0x11, 0, 0)}));
}

// F3 (docs/findings.md): extending a caller's range hands it the reserved pages. The model
// reports it at the reserve, and accepts the fix's way: the free part reserved on its own.
TEST(ModelReserve, ExtendingAnAllocatedNodeIsF3AndTheFreePartOnItsOwnIsAccepted) {
  Model model(small_geometry());
  accept(model, Alloc{"", 4, 0xff, true}, ok_at(0x10, {0x10, 0x13}), tree({{0x10, 0x13}}));
  // [0xc, 0x11] overlaps [0x10, 0x13]: the spec lowers the node to 0xc and returns it.
  EXPECT_EQ(rejected_for(model, Reserve{0xc, 0x11}, Outcome{Outcome::Status::Ok, 0, Range{0xc, 0x13}}, tree({{0xc, 0x13}})),
            Property::Reserve);
  // f3: [0xc, 0xf] becomes a reservation, the allocation keeps [0x10, 0x13] and is the result.
  accept(model, Reserve{0xc, 0x11}, Outcome{Outcome::Status::Ok, 0, Range{0x10, 0x13}}, tree({{0xc, 0xf}, {0x10, 0x13}}));
  EXPECT_EQ(model.ranges().at(0xc)->owner.kind, Owner::Kind::Reserved);
  EXPECT_EQ(model.ranges().at(0x10)->owner.kind, Owner::Kind::Allocated);
  // The fix's way is judged exactly too: another result, or the part not inserted, is wrong.
  EXPECT_EQ(rejected_for(model, Reserve{0x8, 0x10}, Outcome{Outcome::Status::Ok, 0, Range{0x8, 0xb}}, tree({{0x8, 0xb}, {0xc, 0xf}, {0x10, 0x13}})),
            Property::Reserve);
}

TEST(ModelReserve, ExtendsAReservationEitherWay) {
  Model spec(small_geometry());
  accept(spec, Reserve{0x10, 0x13}, Outcome{Outcome::Status::Ok, 0, Range{0x10, 0x13}}, tree({{0x10, 0x13}}));
  accept(spec, Reserve{0xc, 0x11}, Outcome{Outcome::Status::Ok, 0, Range{0xc, 0x13}}, tree({{0xc, 0x13}}));
  // [0x12, 0x20]: lo moves past the node, the rest becomes a new node.
  accept(spec, Reserve{0x12, 0x20}, Outcome{Outcome::Status::Ok, 0, Range{0x14, 0x20}}, tree({{0xc, 0x13}, {0x14, 0x20}}));
  EXPECT_EQ(rejected_for(spec, Reserve{0x30, 0x31}, Outcome{Outcome::Status::Ok, 0, Range{0x30, 0x32}},
                         tree({{0xc, 0x13}, {0x14, 0x20}, {0x30, 0x31}})),
            Property::Reserve);
  Model fixed(small_geometry());
  accept(fixed, Reserve{0x10, 0x13}, Outcome{Outcome::Status::Ok, 0, Range{0x10, 0x13}}, tree({{0x10, 0x13}}));
  accept(fixed, Reserve{0xc, 0x11}, Outcome{Outcome::Status::Ok, 0, Range{0x10, 0x13}}, tree({{0xc, 0xf}, {0x10, 0x13}}));
}

// F9: the anchor extended is reported at the reserve; f9's way (the part below it on its own) is
// accepted.
TEST(ModelReserve, ExtendingTheAnchorIsF9AndThePartBelowItOnItsOwnIsAccepted) {
  Geometry geometry = small_geometry();
  geometry.granule = 1;
  Model spec(geometry);
  EXPECT_EQ(rejected_for(spec, Reserve{kMaxPfn - 3, kMaxPfn}, Outcome{Outcome::Status::Ok, 0, Range{kMaxPfn - 3, kMaxPfn}},
                         Observation{{{kMaxPfn - 3, kMaxPfn}}, {}}),
            Property::Reserve);
  Model fixed(geometry);  // f9
  accept(fixed, Reserve{kMaxPfn - 3, kMaxPfn}, Outcome{Outcome::Status::Ok, 0, kAnchor}, tree({{kMaxPfn - 3, kMaxPfn - 1}}));
}

TEST(ModelFind, AgreesWithTheRanges) {
  Model model(small_geometry());
  accept(model, Alloc{"", 4, 0xff, true}, ok_at(0x10, {0x10, 0x13}), tree({{0x10, 0x13}}));
  accept(model, Find{0x12}, Outcome{Outcome::Status::Ok, 0, Range{0x10, 0x13}}, tree({{0x10, 0x13}}));
  accept(model, Find{0x14}, failed(), tree({{0x10, 0x13}}));
  accept(model, Find{kMaxPfn}, Outcome{Outcome::Status::Ok, 0, kAnchor}, tree({{0x10, 0x13}}));
  EXPECT_EQ(rejected_for(model, Find{0x14}, Outcome{Outcome::Status::Ok, 0, Range{0x10, 0x13}}, tree({{0x10, 0x13}})),
            Property::Find);
  EXPECT_EQ(rejected_for(model, Find{0x11}, failed(), tree({{0x10, 0x13}})), Property::Find);
}

TEST(ModelRejection, RefusingValidInputIsAViolation) {
  Model model(small_geometry());
  EXPECT_EQ(rejected_for(model, Alloc{"", 1, 0xff, true}, Outcome{Outcome::Status::Rejected, 0, std::nullopt}, tree({})),
            Property::Rejection);
}

TEST(ModelSnapshot, SnapshotNodesAreAllocatedRanges) {
  Snapshot snapshot;
  snapshot.nodes = {{0x10, 0x1f}};
  Model model(small_geometry(), &snapshot);
  EXPECT_FALSE(model.caller_error(Free{{0x15, ""}}));
}

// A step whose report is exactly the difference its one allowed way makes is judged by a lookup
// per entry (TransitionCheck::is_exactly_reported); every report one entry away from it that
// shows another state after the step must still be a violation, found by the ordered comparison.
// (A report naming as gone a node that was not there, or a node twice, shows the same state; a
// gone cache entry stands for its pfn's entry before the step.)
struct ReportedStep {
  std::string what;
  Model before;
  Op op;
  Outcome outcome;
  ChangeReport exact;
};

std::vector<ChangeReport> one_entry_away(const ChangeReport& exact) {
  std::vector<ChangeReport> reports;
  auto with = [&](auto edit) {
    ChangeReport report = exact;
    edit(report);
    reports.push_back(report);
  };
  with([](ChangeReport& report) { report.nodes_gone.push_back(kAnchor); });  // a node the step kept
  with([](ChangeReport& report) { report.nodes_new.push_back({0x10, 0x10}); });
  with([](ChangeReport& report) { report.cached_gone.push_back(on_cpu(0x10, 0, 0)); });  // an entry never cached
  with([](ChangeReport& report) { report.cached_new.push_back(on_cpu(0x10, 0, 0)); });
  for (auto list : {&ChangeReport::nodes_gone, &ChangeReport::nodes_new})
    for (std::size_t i = 0; i < (exact.*list).size(); ++i) {
      with([&](ChangeReport& report) { (report.*list).erase((report.*list).begin() + static_cast<std::ptrdiff_t>(i)); });
      with([&](ChangeReport& report) { ++(report.*list)[i].hi; });
    }
  for (auto list : {&ChangeReport::cached_gone, &ChangeReport::cached_new})
    for (std::size_t i = 0; i < (exact.*list).size(); ++i) {
      with([&](ChangeReport& report) { (report.*list).erase((report.*list).begin() + static_cast<std::ptrdiff_t>(i)); });
      with([&](ChangeReport& report) { (report.*list).push_back((report.*list)[i]); });
    }
  for (std::size_t i = 0; i < exact.cached_new.size(); ++i) {  // a gone entry is the pfn's entry before, whatever it says
    with([&](ChangeReport& report) { ++report.cached_new[i].bin; });
    with([&](ChangeReport& report) { ++report.cached_new[i].pfn; });
    with([&](ChangeReport& report) { report.cached_new[i].slot = report.cached_new[i].slot.in_depot() ? CacheSlot{0} : CacheSlot{}; });
  }
  return reports;
}

TEST(ModelChangeReport, AReportOneEntryAwayFromTheStepsOwnDifferenceIsAViolation) {
  Model fast_range(small_geometry());
  accept(fast_range, FastAlloc{"", 4, 0xff, 0, true}, ok_at(0xfc, {0xfc, 0xff}), tree({{0xfc, 0xff}}));
  Model allocated(small_geometry());
  accept(allocated, Alloc{"", 2, 0xff, false}, ok_at(0xfe, {0xfe, 0xff}), tree({{0xfe, 0xff}}));
  const std::vector<ReportedStep> steps = {
      {"alloc", Model(small_geometry()), Alloc{"", 2, 0xff, false}, ok_at(0xfe, {0xfe, 0xff}), ChangeReport{{}, {{0xfe, 0xff}}, {}, {}}},
      {"free", allocated, Free{{0xfe, ""}}, done(), ChangeReport{{{0xfe, 0xff}}, {}, {}, {}}},
      {"ffree", fast_range, FastFree{{0xfc, ""}, 4, 0}, done(), ChangeReport{{}, {}, {}, {on_cpu(0xfc, 2, 0)}}},
      {"fast hit", with_cached_range(0xfc), FastAlloc{"", 4, 0xff, 0, true}, ok_at(0xfc, {0xfc, 0xff}),
       ChangeReport{{}, {}, {on_cpu(0xfc, 2, 0)}, {}}},
  };
  for (const ReportedStep& step : steps) {
    SCOPED_TRACE(step.what);
    Model exact = step.before;
    EXPECT_FALSE(exact.judge(step.op, step.outcome, step.exact));
    for (const ChangeReport& report : one_entry_away(step.exact)) {
      Model judged = step.before;
      EXPECT_TRUE(judged.judge(step.op, step.outcome, report))
          << report.nodes_gone.size() << " nodes gone, " << report.nodes_new.size() << " new, " << report.cached_gone.size()
          << " cache entries gone, " << report.cached_new.size() << " new";
    }
  }
}

}  // namespace
}  // namespace iovacheck
