// The model's gap index against the plain scan it replaces (find_fitting_placement), on random
// occupancy in small and in huge spaces, every alignment and limit, and on hand-picked edges.
#include "model/gap_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "model/free_space.h"

namespace iovacheck {
namespace {

using Ranges = std::map<Pfn, OwnedRange>;

constexpr Range kAnchor{kMaxPfn, kMaxPfn};

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

TEST(GapIndex, StartsWithEverythingButTheAnchorFree) {
  GapIndex index;
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, kMaxPfn - 1}}));
  EXPECT_EQ(index.highest_placement(1, Request{4, 0xff, true}), (Range{0xfc, 0xff}));
  EXPECT_EQ(index.highest_placement(1, Request{3, kMaxPfn, false}), (Range{kMaxPfn - 3, kMaxPfn - 1}));
}

TEST(GapIndex, OccupyAndReleaseSplitAndMerge) {
  GapIndex index;
  index.occupy({0x10, 0x1f});
  index.occupy({0x30, 0x3f});
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, 0xf}, {0x20, 0x2f}, {0x40, kMaxPfn - 1}}));
  EXPECT_EQ(index.gap_holding(0x25), (Range{0x20, 0x2f}));
  EXPECT_FALSE(index.gap_holding(0x15));
  index.release({0x10, 0x1f});
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, 0x2f}, {0x40, kMaxPfn - 1}}));
  index.release({0x30, 0x3f});
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, kMaxPfn - 1}}));
}

TEST(GapIndex, RefusesToOccupyWhatIsTakenOrReleaseWhatIsFree) {
  GapIndex index;
  index.occupy({0x10, 0x1f});
  EXPECT_THROW(index.occupy({0x18, 0x20}), std::logic_error);
  EXPECT_THROW(index.release({0x20, 0x21}), std::logic_error);
  EXPECT_THROW(index.release({0x8, 0x10}), std::logic_error);
}

TEST(GapIndex, TheAnchorPfnIsNeverFree) {
  GapIndex index;
  index.occupy({kMaxPfn - 4, kMaxPfn});  // a reserve that lowered the anchor
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, kMaxPfn - 5}}));
  index.release({kMaxPfn - 4, kMaxPfn});
  EXPECT_EQ(index.gaps(), (std::vector<Range>{{0, kMaxPfn - 1}}));
}

TEST(GapIndex, AlignmentBeyondTheTrackedOrdersIsCheckedExactly) {
  GapIndex index;
  // Gaps of 0x200 pages, none 0x200-aligned, above the one gap at the bottom that is.
  for (Pfn lo = 0x300; lo < 0x10000; lo += 0x400) index.occupy({lo, lo + 0x1ff});
  index.occupy({0x10100, kMaxPfn - 1});
  EXPECT_EQ(index.highest_placement(0, Request{0x200, kMaxPfn, true}), (Range{0, 0x1ff}));
  EXPECT_FALSE(index.highest_placement(1, Request{0x200, kMaxPfn, true}));
  EXPECT_EQ(index.highest_placement(0, Request{0x200, kMaxPfn, false}), (Range{0xfd00, 0xfeff}));
  EXPECT_FALSE(index.highest_placement(0, Request{0x301, kMaxPfn, false}));
}

// Random occupancy; after every change the gaps and many queries agree with the scan.
void agree_on_random_ops(Pfn space, unsigned seed, int ops) {
  std::mt19937_64 random(seed);
  GapIndex index;
  Ranges ranges;
  ranges[kMaxPfn] = OwnedRange{kAnchor, Owner::reserved()};
  if (space < kMaxPfn) {  // everything from `space` up is one reserved block below the anchor
    index.occupy({space, kMaxPfn - 1});
    ranges[space] = OwnedRange{{space, kMaxPfn - 1}, Owner::reserved()};
  }
  auto pick = [&](Pfn bound) { return bound == 0 ? 0 : random() % bound; };
  for (int op = 0; op < ops; ++op) {
    const bool add = ranges.size() < 3 || random() % 3 != 0;
    if (add) {
      const Pfn size = 1 + pick(std::min<Pfn>(space / 8, 300));
      const auto gap = index.highest_placement(0, Request{size, pick(space), random() % 2 == 0});
      if (gap) {
        index.occupy(*gap);
        ranges[gap->lo] = OwnedRange{*gap, Owner::allocated()};
      }
    } else {
      auto it = ranges.begin();
      std::advance(it, pick(ranges.size() - (space < kMaxPfn ? 2 : 1)));
      index.release(it->second.range);
      ranges.erase(it);
    }
    ASSERT_EQ(index.gaps(), gaps_by_scan(ranges)) << "after op " << op;
    for (int query = 0; query < 20; ++query) {
      const Pfn size = 1 + (random() % 4 == 0 ? pick(4096) : pick(40));
      const Request request{size, random() % 8 == 0 ? kMaxPfn : pick(space + 10), random() % 3 != 0};
      const Pfn start = random() % 4 == 0 ? pick(space) : random() % 2;
      ASSERT_EQ(index.highest_placement(start, request), by_scan(ranges, start, request))
          << "size " << hex(size) << " limit " << hex(request.limit) << " aligned " << request.aligned << " start " << hex(start);
    }
  }
}

TEST(GapIndex, AgreesWithTheScanInASmallSpace) { agree_on_random_ops(0x400, 1, 3000); }
TEST(GapIndex, AgreesWithTheScanInA32BitSpace) { agree_on_random_ops(0x100000, 2, 3000); }
TEST(GapIndex, AgreesWithTheScanInTheWholeSpace) { agree_on_random_ops(kMaxPfn, 3, 1000); }

}  // namespace
}  // namespace iovacheck
