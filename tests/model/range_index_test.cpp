// The model's range index: its ranges against a std::map, and its gaps and placements against the
// plain scan they replace (find_fitting_placement), on random occupancy in small and in huge
// spaces, every alignment and limit, and on hand-picked edges.
#include "model/range_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "model/free_space.h"

namespace iovacheck {
namespace {

using Ranges = std::map<Pfn, OwnedRange>;

constexpr Range kAnchor{kMaxPfn, kMaxPfn};

// The model's state always holds the anchor: every free pfn lies below some range.
RangeIndex with_anchor() {
  RangeIndex index;
  index.insert(OwnedRange{kAnchor, Owner::reserved()});
  return index;
}

void occupy(RangeIndex& index, const Range& range) { index.insert(OwnedRange{range, Owner::allocated()}); }

std::optional<Range> by_scan(const Ranges& ranges, Pfn start_pfn, const Request& request) {
  return find_fitting_placement(ranges, start_pfn, request, [](const OwnedRange&) { return true; });
}

std::vector<Range> gaps_by_scan(const Ranges& ranges) {
  std::vector<Range> gaps;
  Pfn next = 0;
  for (const auto& [lo, owned] : ranges) {
    if (owned.range.lo > next) gaps.push_back(Range{next, owned.range.lo - 1});
    if (owned.range.hi == kMaxPfn) break;
    next = owned.range.hi + 1;
  }
  return gaps;
}

TEST(RangeIndex, StartsWithEverythingButTheAnchorFree) {
  RangeIndex index = with_anchor();
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, kMaxPfn - 1}}));
  EXPECT_EQ(index.highest_placement(1, Request{4, 0xff, true}), (Range{0xfc, 0xff}));
  EXPECT_EQ(index.highest_placement(1, Request{3, kMaxPfn, false}), (Range{kMaxPfn - 3, kMaxPfn - 1}));
}

TEST(RangeIndex, OccupyAndReleaseSplitAndMerge) {
  RangeIndex index = with_anchor();
  occupy(index, {0x10, 0x1f});
  occupy(index, {0x30, 0x3f});
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, 0xf}, {0x20, 0x2f}, {0x40, kMaxPfn - 1}}));
  EXPECT_EQ(index.gap_holding(0x25), (Range{0x20, 0x2f}));
  EXPECT_FALSE(index.gap_holding(0x15));
  index.erase(0x10);
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, 0x2f}, {0x40, kMaxPfn - 1}}));
  index.erase(0x30);
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, kMaxPfn - 1}}));
}

TEST(RangeIndex, RefusesToOccupyWhatIsTakenOrEraseWhatIsNotThere) {
  RangeIndex index = with_anchor();
  occupy(index, {0x10, 0x1f});
  EXPECT_THROW(occupy(index, {0x18, 0x20}), std::logic_error);
  EXPECT_THROW(occupy(index, {0x8, 0x10}), std::logic_error);
  EXPECT_THROW(occupy(index, {0x10, 0x10}), std::logic_error);
  EXPECT_THROW(index.erase(0x11), std::logic_error);
  EXPECT_EQ(index.size(), 2u);
}

TEST(RangeIndex, FindsRangesByStartByPfnAndInOrder) {
  RangeIndex index = with_anchor();
  occupy(index, {0x30, 0x3f});
  occupy(index, {0x10, 0x1f});
  index.set_owner(0x30, Owner::reserved());
  EXPECT_EQ(index.at(0x30)->owner.kind, Owner::Kind::Reserved);
  index.set_owner(*index.holding(0x15), Owner::cached(0x10, 1, CacheSlot{2}));  // the range in hand
  EXPECT_EQ(index.at(0x10)->owner.kind, Owner::Kind::Cached);
  EXPECT_EQ(index.at(0x10)->range, (Range{0x10, 0x1f}));
  const OwnedRange elsewhere{{0x10, 0x1f}, Owner::allocated()};
  EXPECT_THROW(index.set_owner(elsewhere, Owner::reserved()), std::logic_error);
  EXPECT_EQ(index.at(0x31), nullptr);
  EXPECT_EQ(index.holding(0x1f)->range, (Range{0x10, 0x1f}));
  EXPECT_EQ(index.holding(0x20), nullptr);
  EXPECT_EQ(index.first_above(0x10)->range, (Range{0x30, 0x3f}));
  EXPECT_EQ(index.first_reaching(0x15)->range, (Range{0x10, 0x1f}));
  EXPECT_EQ(index.first_reaching(0x20)->range, (Range{0x30, 0x3f}));
  std::vector<Pfn> starts;
  index.for_each([&](const OwnedRange& owned) { return starts.push_back(owned.range.lo), true; });
  EXPECT_EQ(starts, (std::vector<Pfn>{0x10, 0x30, kMaxPfn}));
}

TEST(RangeIndex, TheAnchorMayMoveDown) {
  RangeIndex index = with_anchor();
  index.erase(kMaxPfn);  // a reserve that lowered the anchor: removed, then put back lower
  occupy(index, {kMaxPfn - 4, kMaxPfn});
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, kMaxPfn - 5}}));
  index.erase(kMaxPfn - 4);
  occupy(index, kAnchor);
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, kMaxPfn - 1}}));
}

TEST(RangeIndex, AlignmentBeyondTheTrackedOrdersIsCheckedExactly) {
  RangeIndex index = with_anchor();
  // Gaps of 0x200 pages, none 0x200-aligned, above the one gap at the bottom that is.
  for (Pfn lo = 0x300; lo < 0x10000; lo += 0x400) occupy(index, {lo, lo + 0x1ff});
  occupy(index, {0x10100, kMaxPfn - 1});
  EXPECT_EQ(index.highest_placement(0, Request{0x200, kMaxPfn, true}), (Range{0, 0x1ff}));
  EXPECT_FALSE(index.highest_placement(1, Request{0x200, kMaxPfn, true}));
  EXPECT_EQ(index.highest_placement(0, Request{0x200, kMaxPfn, false}), (Range{0xfd00, 0xfeff}));
  EXPECT_FALSE(index.highest_placement(0, Request{0x301, kMaxPfn, false}));
}

// An index and the std::map it is checked against, holding the same ranges.
struct Both {
  RangeIndex index = with_anchor();
  Ranges ranges{{kMaxPfn, OwnedRange{kAnchor, Owner::reserved()}}};

  void occupy(const Range& range) {
    iovacheck::occupy(index, range);
    ranges[range.lo] = OwnedRange{range, Owner::allocated()};
  }
  // Every request of 1..max_size pages, aligned or not, below the whole space: as the scan.
  void expect_every_request_agrees(Pfn max_size) const {
    for (Pfn size = 1; size <= max_size; ++size)
      for (const bool aligned : {false, true}) {
        const Request request{size, kMaxPfn, aligned};
        ASSERT_EQ(index.highest_placement(0, request), by_scan(ranges, 0, request)) << "size " << size << " aligned " << aligned;
      }
  }
};

// The aggregates keep a tracked order's room as its shortfall from the longest gap: exact at the
// top of the space, where an aligned start may not exist below 2^64, and across gaps of every
// length near the alignments.
TEST(RangeIndex, EveryTrackedOrderIsExactAtTheTopOfTheSpace) {
  for (const Pfn top_gap : {Pfn{1}, Pfn{63}, Pfn{100}, Pfn{127}, Pfn{128}, Pfn{200}}) {
    SCOPED_TRACE("top gap " + std::to_string(top_gap));
    Both both;
    // Gaps of 1..130 pages at odd places, and one of `top_gap` pages just below the anchor.
    Pfn lo = 0x1001;
    for (Pfn gap = 1; gap <= 130; ++gap, lo += gap + 3) both.occupy({lo, lo + 2});
    both.occupy({lo, kMaxPfn - top_gap - 1});
    both.expect_every_request_agrees(260);
  }
}

// Gaps of every length to 300 pages at every offset from the alignments, their ranges inserted
// in random order (so subtrees of every shape combine them): the aggregates combine gaps whose
// longest differ by less and by more than the 127 pages a shortfall can hold.
TEST(RangeIndex, CombinedSubtreesAnswerEveryAlignmentExactly) {
  std::mt19937_64 random(11);
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<Range> occupied;
    Pfn lo = 0x10000;
    for (int gap = 0; gap < 40; ++gap) {
      lo += 1 + random() % 300;  // the gap below this range
      const Pfn size = 1 + random() % 200;
      occupied.push_back({lo, lo + size - 1});
      lo += size;
    }
    occupied.push_back({lo, kMaxPfn - 1});
    std::shuffle(occupied.begin(), occupied.end(), random);
    SCOPED_TRACE("trial " + std::to_string(trial));
    Both both;
    both.occupy({0, 0xffff});
    for (const Range& range : occupied) both.occupy(range);
    both.expect_every_request_agrees(300);
  }
}

TEST(RangeIndex, ACopyAnswersAloneAfterItsOriginalChanges) {
  RangeIndex index = with_anchor();
  for (Pfn lo = 0x10; lo < 0x10 + 0x20 * 1500; lo += 0x20) occupy(index, {lo, lo + 0xf});  // the slot array grows several times
  const RangeIndex copy = index;
  index.erase(0x10);
  occupy(index, {0x0, 0x1f});
  EXPECT_EQ(copy.size(), 1501u);
  EXPECT_EQ(copy.at(0x10)->range, (Range{0x10, 0x1f}));
  EXPECT_EQ(copy.gap_holding(0x5), (Range{0x0, 0xf}));
  EXPECT_EQ(copy.highest_placement(0, Request{0x10, 0x1f, true}), (Range{0x0, 0xf}));
  EXPECT_FALSE(index.highest_placement(0, Request{0x10, 0x1f, true}));
}

// Random occupancy; after every change (or every few: `changes_between_queries` up to that many,
// so the aggregates many changes left stale are refreshed at once) the gaps and many queries
// agree with the scan.
void agree_on_random_ops(Pfn space, unsigned seed, int ops, int changes_between_queries = 1) {
  std::mt19937_64 random(seed);
  RangeIndex index = with_anchor();
  Ranges ranges;
  ranges[kMaxPfn] = OwnedRange{kAnchor, Owner::reserved()};
  if (space < kMaxPfn) {  // everything from `space` up is one reserved block below the anchor
    occupy(index, {space, kMaxPfn - 1});
    ranges[space] = OwnedRange{{space, kMaxPfn - 1}, Owner::reserved()};
  }
  auto pick = [&](Pfn bound) { return bound == 0 ? 0 : random() % bound; };
  for (int op = 0; op < ops; ++op) {
    const bool add = ranges.size() < 3 || random() % 3 != 0;
    if (add) {
      const Pfn size = 1 + pick(std::min<Pfn>(space / 8, 300));
      // Without a placement query, a fresh range goes where the scan finds room.
      const Request request{size, pick(space), random() % 2 == 0};
      const auto gap = changes_between_queries > 1 ? by_scan(ranges, 0, request) : index.highest_placement(0, request);
      if (gap) {
        occupy(index, *gap);
        ranges[gap->lo] = OwnedRange{*gap, Owner::allocated()};
      }
    } else {
      auto it = ranges.begin();
      std::advance(it, pick(ranges.size() - (space < kMaxPfn ? 2 : 1)));
      index.erase(it->first);
      ranges.erase(it);
    }
    if (changes_between_queries > 1 && random() % changes_between_queries != 0) continue;
    ASSERT_EQ(index.gaps(), gaps_by_scan(ranges)) << "after op " << op;
    ASSERT_EQ(index.size(), ranges.size());
    for (int query = 0; query < 5; ++query) {
      const Pfn pfn = pick(space);
      auto holder = ranges.upper_bound(pfn);
      const OwnedRange* expected = holder != ranges.begin() && std::prev(holder)->second.range.contains(pfn) ? &std::prev(holder)->second : nullptr;
      const OwnedRange* held = index.holding(pfn);
      ASSERT_EQ(held ? std::optional<Range>(held->range) : std::nullopt, expected ? std::optional<Range>(expected->range) : std::nullopt);
      const OwnedRange* above = index.first_above(pfn);
      ASSERT_EQ(above ? std::optional<Range>(above->range) : std::nullopt,
                holder != ranges.end() ? std::optional<Range>(holder->second.range) : std::nullopt);
    }
    for (int query = 0; query < 20; ++query) {
      const Pfn size = 1 + (random() % 4 == 0 ? pick(4096) : pick(40));
      const Request request{size, random() % 8 == 0 ? kMaxPfn : pick(space + 10), random() % 3 != 0};
      const Pfn start = random() % 4 == 0 ? pick(space) : random() % 2;
      ASSERT_EQ(index.highest_placement(start, request), by_scan(ranges, start, request))
          << "size " << hex(size) << " limit " << hex(request.limit) << " aligned " << request.aligned << " start " << hex(start);
    }
  }
}

TEST(RangeIndex, AgreesWithTheScanInASmallSpace) { agree_on_random_ops(0x400, 1, 3000); }
TEST(RangeIndex, AgreesWithTheScanInA32BitSpace) { agree_on_random_ops(0x100000, 2, 3000); }
TEST(RangeIndex, AgreesWithTheScanInTheWholeSpace) { agree_on_random_ops(kMaxPfn, 3, 1000); }
// The aggregates are refreshed only when a placement is asked for: after runs of up to 60
// changes with no query between them, from the nodes those changes left stale.
TEST(RangeIndex, AgreesWithTheScanAfterManyChangesWithoutAQuery) {
  agree_on_random_ops(0x400, 4, 6000, 30);
  agree_on_random_ops(0x100000, 5, 6000, 60);
}

}  // namespace
}  // namespace iovacheck
