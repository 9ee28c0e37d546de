// p2-augmented and p3-maple (impl/gap_tree.cpp): hand-worked placements, max32_alloc_size,
// reserve, snapshots, and a randomized differential run against a brute-force oracle.
#include "impl/gap_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace iovacheck::impl {
namespace {

constexpr Pfn kMax = std::numeric_limits<Pfn>::max();

// Built here rather than taken from the variant table so this test depends only on the rule.
const Variant kP2{.name = "p2-augmented", .origin = "", .summary = "", .search = Search::HighestGap};
const Variant kP3{.name = "p3-maple", .origin = "", .summary = "", .search = Search::MapleGap};

Config geometry(Pfn start_pfn = 1, Pfn dma32_pfn = 0x100) {
  Config config;
  config.start_pfn = start_pfn;
  config.dma32_pfn = dma32_pfn;
  return config;
}

std::unique_ptr<TreeAllocator> make(const Variant& variant, Config config = geometry(),
                                    std::vector<Node> nodes = {}, std::optional<Pfn> max32 = std::nullopt) {
  TreeSnapshot snapshot;
  snapshot.nodes = std::move(nodes);
  snapshot.max32_alloc_size = max32;
  return make_gap_tree(config, variant, &snapshot);
}

// describe() prints "max32_alloc_size 0x..." on its own line.
Pfn max32_of(const TreeAllocator& tree) {
  const std::string text = tree.describe();
  const std::string key = "max32_alloc_size ";
  const auto at = text.find(key);
  if (at == std::string::npos) throw std::runtime_error("describe() has no max32_alloc_size line: " + text);
  return std::stoull(text.substr(at + key.size()), nullptr, 16);
}

void expect_valid(const TreeAllocator& tree) {
  const auto failure = tree.validate();
  EXPECT_FALSE(failure.has_value()) << *failure;
}

const Node kAnchor{kMax, kMax};

// ---- placement, hand-worked --------------------------------------------------------------

TEST(GapTreeP2, TakesTheHighestAlignedPositionBelowTheLimit) {
  auto tree = make(kP2);
  EXPECT_EQ(tree->alloc(4, 0xff, true), Pfn{0xfc});
  EXPECT_EQ(tree->alloc(4, 0xff, true), Pfn{0xf8});
  EXPECT_EQ(tree->alloc(3, 0xff, false), Pfn{0xf5});
  EXPECT_EQ(tree->alloc(4, 0xff, true), Pfn{0xf0});  // 0xf1..0xf4 is free but not aligned
  EXPECT_EQ(tree->nodes(), (std::vector<Node>{{0xf0, 0xf3}, {0xf5, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xff}, kAnchor}));
  expect_valid(*tree);
}

TEST(GapTreeP2, TakesAHigherGapOverALargerLowerOne) {
  auto tree = make(kP2, geometry(), {{0x10, 0x1f}, {0x24, 0x2f}, {0x31, 0xff}});
  EXPECT_EQ(tree->alloc(1, 0xff, false), Pfn{0x30});
  EXPECT_EQ(tree->alloc(4, 0xff, true), Pfn{0x20});
  EXPECT_EQ(tree->alloc(4, 0xff, true), Pfn{0xc});
}

TEST(GapTreeP2, SkipsAGapLongEnoughButWithoutAnAlignedStart) {
  // [0x21, 0x25] holds 5 pages but no 4-aligned block of 4.
  auto tree = make(kP2, geometry(), {{0x10, 0x20}, {0x26, 0xff}});
  EXPECT_EQ(tree->alloc(4, 0xff, true), Pfn{0xc});
  EXPECT_EQ(tree->alloc(4, 0xff, false), Pfn{0x22});
}

TEST(GapTree, P3RefusesAGapShorterThanSizePlusAlignmentMinusOneThatP2Uses) {
  // The gap [0x20, 0x25] (6 pages) holds the aligned block [0x20, 0x23]; p3 wants 4 + 4 - 1.
  const std::vector<Node> nodes{{0x10, 0x1f}, {0x26, 0xff}};
  auto p2 = make(kP2, geometry(), nodes);
  auto p3 = make(kP3, geometry(), nodes);
  EXPECT_EQ(p2->alloc(4, 0xff, true), Pfn{0x20});
  EXPECT_EQ(p3->alloc(4, 0xff, true), Pfn{0xc});  // (0xf - 3) & ~3 in [1, 0xf]
  // Unaligned, A = 1 and the rules agree: the top of the highest gap.
  EXPECT_EQ(p3->alloc(4, 0xff, false), Pfn{0x22});
  expect_valid(*p2);
  expect_valid(*p3);
}

TEST(GapTree, P3PlacesAtTopMinusSizeRoundedDown) {
  // Gap [0x31, 0x4f] is 31 pages >= 16 + 15: top 0x4f, (0x4f - 15) & ~15 = 0x40.
  auto p3 = make(kP3, geometry(), {{0x10, 0x30}, {0x50, 0xff}});
  EXPECT_EQ(p3->alloc(16, 0xff, true), Pfn{0x40});
  // What is left, [0x31, 0x3f] and [1, 0xf], is 15 pages each.
  EXPECT_EQ(p3->alloc(16, 0xff, true), std::nullopt);
}

TEST(GapTree, LimitClipsTheGapStraddlingIt) {
  // The gap above [0x40, 0x4f] runs to the anchor; clipped at limit 0x5f it is [0x50, 0x5f].
  const std::vector<Node> nodes{{0x40, 0x4f}};
  auto p2 = make(kP2, geometry(), nodes);
  auto p3 = make(kP3, geometry(), nodes);
  EXPECT_EQ(p2->alloc(16, 0x5f, true), Pfn{0x50});
  EXPECT_EQ(p3->alloc(16, 0x5f, true), Pfn{0x30});  // clipped part 16 < 31; next gap [1, 0x3f]
  EXPECT_EQ(p2->alloc(3, 0x62, false), Pfn{0x60});  // L - size = 0x60
  expect_valid(*p2);
  expect_valid(*p3);
}

TEST(GapTree, StartPfnClipsTheLowestGap) {
  auto p2 = make(kP2, geometry(0x10), {{0x20, 0xff}});
  EXPECT_EQ(p2->alloc(8, 0xff, true), Pfn{0x18});
  EXPECT_EQ(p2->alloc(8, 0xff, true), Pfn{0x10});
  EXPECT_EQ(p2->alloc(1, 0xff, false), std::nullopt);  // [0, 0xf] is below start_pfn

  auto p3 = make(kP3, geometry(0x10), {{0x20, 0xff}});
  EXPECT_EQ(p3->alloc(8, 0xff, true), Pfn{0x18});      // [0x10, 0x1f]: 16 >= 15
  EXPECT_EQ(p3->alloc(8, 0xff, true), std::nullopt);   // [0x10, 0x17]: 8 < 15; max32 = 8
  EXPECT_EQ(p3->alloc(7, 0xff, false), Pfn{0x11});

  auto odd_start = make(kP2, geometry(0x11), {{0x20, 0xff}});
  EXPECT_EQ(odd_start->alloc(8, 0xff, true), Pfn{0x18});
  EXPECT_EQ(odd_start->alloc(8, 0xff, true), std::nullopt);  // 0x10 is below start_pfn; max32 = 8
  EXPECT_EQ(odd_start->alloc(7, 0xff, false), Pfn{0x11});
}

TEST(GapTree, PfnZeroIsUsableWhenStartPfnIsZero) {
  for (const Variant* variant : {&kP2, &kP3}) {
    auto tree = make(*variant, geometry(0), {{0x8, 0xff}});
    EXPECT_EQ(tree->alloc(8, 0xff, false), Pfn{0}) << variant->name;
    expect_valid(*tree);
  }
}

TEST(GapTree, LimitAtOrBelowStartPfnFails) {
  for (const Variant* variant : {&kP2, &kP3}) {
    auto tree = make(*variant, geometry(0x10, 0x100));
    EXPECT_EQ(tree->alloc(1, 0xf, false), std::nullopt) << variant->name;
    EXPECT_EQ(tree->alloc(1, 0x10, false), std::nullopt) << variant->name;  // max32 is now 1
    EXPECT_EQ(tree->alloc(1, 0x100, false), Pfn{0x100}) << variant->name;  // L > dma32_pfn
  }
}

// ---- sizes and limits at the top of the 64-bit range ----------------------------------------

TEST(GapTree, LimitOfAllOnesWrapsAndFails) {
  for (const Variant* variant : {&kP2, &kP3}) {
    auto tree = make(*variant);
    EXPECT_EQ(tree->alloc(5, kMax, false), std::nullopt) << variant->name;
    EXPECT_EQ(max32_of(*tree), Pfn{5}) << variant->name;  // L = 0 <= dma32_pfn
    EXPECT_EQ(tree->nodes(), std::vector<Node>{kAnchor});
  }
}

TEST(GapTree, WholeSpaceBelowTheAnchorIsOneGap) {
  for (const Variant* variant : {&kP2, &kP3}) {
    auto tree = make(*variant, geometry(0));
    EXPECT_EQ(tree->alloc(kMax, kMax - 1, false), Pfn{0}) << variant->name;
    EXPECT_EQ(tree->nodes(), (std::vector<Node>{{0, kMax - 1}, kAnchor}));
    expect_valid(*tree);
    EXPECT_EQ(tree->alloc(1, kMax - 1, false), std::nullopt);
    EXPECT_TRUE(tree->remove(kMax / 2));
    EXPECT_EQ(tree->nodes(), std::vector<Node>{kAnchor});
    expect_valid(*tree);
  }
}

TEST(GapTree, SizeLargerThanTheWindowFails) {
  for (const Variant* variant : {&kP2, &kP3}) {
    auto tree = make(*variant);  // start_pfn 1: the window holds at most 2^64 - 2 pages
    EXPECT_EQ(tree->alloc(kMax, kMax - 1, false), std::nullopt) << variant->name;
    EXPECT_EQ(tree->alloc(kMax, kMax - 1, true), std::nullopt) << variant->name;
    EXPECT_EQ(tree->alloc(kMax - 1, kMax - 1, false), Pfn{1}) << variant->name;
    expect_valid(*tree);
  }
}

TEST(GapTree, AlignmentBeyondTwoToTheSixtyThreeOnlyAllowsPfnZero) {
  const Pfn half = Pfn{1} << 63;
  // Aligned size 2^63 + 1 rounds up to 2^64: only pfn 0 is aligned. p3's size + A - 1
  // exceeds every gap.
  auto p2 = make(kP2, geometry(0));
  EXPECT_EQ(p2->alloc(half + 1, kMax - 1, true), Pfn{0});
  auto p3 = make(kP3, geometry(0));
  EXPECT_EQ(p3->alloc(half + 1, kMax - 1, true), std::nullopt);
  // 2^63 aligned: p3 needs 2^64 - 1 pages, exactly the gap below the anchor.
  auto p3_fits = make(kP3, geometry(0));
  EXPECT_EQ(p3_fits->alloc(half, kMax - 1, true), Pfn{0});
  // With start_pfn 1 neither aligned start is usable: 0 is below it, 2^63 would end on the anchor.
  auto p2_start_one = make(kP2, geometry(1));
  EXPECT_EQ(p2_start_one->alloc(half, kMax - 1, true), std::nullopt);
  expect_valid(*p2);
  expect_valid(*p3_fits);
  expect_valid(*p2_start_one);
}

TEST(GapTree, ZeroSizeIsRejected) {
  auto tree = make(kP2);
  EXPECT_THROW(tree->alloc(0, 0xff, false), std::invalid_argument);
  EXPECT_EQ(tree->nodes(), std::vector<Node>{kAnchor});
}

// ---- max32_alloc_size --------------------------------------------------------------------

TEST(GapTree, Max32ShortCircuitsOnlyLimitsWithinDma32) {
  for (const Variant* variant : {&kP2, &kP3}) {
    auto tree = make(*variant, geometry(), {}, Pfn{0x10});  // plenty of space, hint 0x10
    EXPECT_EQ(tree->alloc(0x10, 0xff, false), std::nullopt) << variant->name;  // L == dma32_pfn
    EXPECT_EQ(tree->alloc(0xf, 0xff, false), Pfn{0xf1}) << variant->name;
    EXPECT_EQ(tree->alloc(0x10, 0x100, false), Pfn{0xe1}) << variant->name;  // L > dma32_pfn
    EXPECT_EQ(max32_of(*tree), Pfn{0x10}) << variant->name;
  }
}

TEST(GapTree, FailureSetsMax32OnlyWhenTheLimitIsWithinDma32) {
  for (const Variant* variant : {&kP2, &kP3}) {
    auto tree = make(*variant);
    ASSERT_EQ(tree->reserve(1, 0x1fe).status, Status::Ok);
    EXPECT_EQ(tree->alloc(2, 0x1ff, false), std::nullopt) << variant->name;  // L = 0x200
    EXPECT_EQ(max32_of(*tree), Pfn{0x100}) << variant->name;
    EXPECT_EQ(tree->alloc(2, 0xff, false), std::nullopt) << variant->name;
    EXPECT_EQ(max32_of(*tree), Pfn{2}) << variant->name;
  }
}

TEST(GapTree, FreeingBelowDma32ResetsMax32AndNothingElseDoes) {
  for (const Variant* variant : {&kP2, &kP3}) {
    auto tree = make(*variant);
    ASSERT_EQ(tree->reserve(0x10, 0x10).status, Status::Ok);
    EXPECT_EQ(tree->alloc(1, 0, false), std::nullopt);  // L = 1 <= start_pfn: fails, max32 = 1
    EXPECT_EQ(tree->alloc(1, 0xff, false), std::nullopt) << variant->name;  // refused at once
    const auto above = tree->alloc(1, 0x100, false);
    ASSERT_EQ(above, Pfn{0x100}) << variant->name;
    EXPECT_TRUE(tree->remove(*above));  // pfn_lo >= dma32_pfn: no reset
    ASSERT_EQ(tree->reserve(0x20, 0x30).status, Status::Ok);
    EXPECT_EQ(max32_of(*tree), Pfn{1}) << variant->name;
    EXPECT_EQ(tree->alloc(1, 0xff, false), std::nullopt) << variant->name;
    EXPECT_TRUE(tree->remove(0x10));
    EXPECT_EQ(max32_of(*tree), Pfn{0x100}) << variant->name;
    EXPECT_EQ(tree->alloc(1, 0xff, false), Pfn{0xff}) << variant->name;
    expect_valid(*tree);
  }
}

// ---- remove, find, reserve ------------------------------------------------------------------

TEST(GapTree, RemoveTakesAnyPfnInsideAndNeverTheAnchor) {
  auto tree = make(kP2, geometry(), {{0x10, 0x1f}, {0x30, 0x3f}});
  EXPECT_FALSE(tree->remove(0x20));  // a gap
  EXPECT_FALSE(tree->remove(kMax));  // the anchor
  EXPECT_TRUE(tree->remove(0x1f));
  EXPECT_FALSE(tree->remove(0x10));
  EXPECT_EQ(tree->nodes(), (std::vector<Node>{{0x30, 0x3f}, kAnchor}));
  expect_valid(*tree);
  // The merged gap is used again.
  EXPECT_EQ(tree->alloc(0x2f, 0x2f, false), Pfn{1});
}

TEST(GapTree, FindReturnsTheHoldingNode) {
  auto tree = make(kP3, geometry(), {{0x10, 0x1f}, {0x20, 0x20}});
  EXPECT_EQ(tree->find(0x10), (Node{0x10, 0x1f}));
  EXPECT_EQ(tree->find(0x1f), (Node{0x10, 0x1f}));
  EXPECT_EQ(tree->find(0x20), (Node{0x20, 0x20}));
  EXPECT_EQ(tree->find(0xf), std::nullopt);
  EXPECT_EQ(tree->find(0x21), std::nullopt);
  EXPECT_EQ(tree->find(kMax), kAnchor);
}

TEST(GapTree, ReserveInsertsLowersAndReturnsTheRightNode) {
  auto tree = make(kP2);
  EXPECT_EQ(tree->reserve(0x10, 0x1f).node, (Node{0x10, 0x1f}));
  // Overlapping below and above: the node is lowered to 0x8, the rest becomes a new node.
  const ReserveResult spill = tree->reserve(0x8, 0x30);
  EXPECT_EQ(spill.status, Status::Ok);
  EXPECT_EQ(spill.node, (Node{0x20, 0x30}));
  EXPECT_EQ(tree->nodes(), (std::vector<Node>{{0x8, 0x1f}, {0x20, 0x30}, kAnchor}));
  // Inside an existing node: that node.
  EXPECT_EQ(tree->reserve(0x22, 0x24).node, (Node{0x20, 0x30}));
  // Spanning two nodes and beyond: each is lowered in turn.
  ASSERT_EQ(tree->reserve(0x40, 0x40).status, Status::Ok);
  EXPECT_EQ(tree->reserve(0x2, 0x50).node, (Node{0x41, 0x50}));
  EXPECT_EQ(tree->nodes(), (std::vector<Node>{{0x2, 0x1f}, {0x20, 0x30}, {0x31, 0x40}, {0x41, 0x50}, kAnchor}));
  expect_valid(*tree);
  EXPECT_EQ(tree->reserve(5, 4).status, Status::BadInput);
}

TEST(GapTree, ReserveLoweringShrinksTheGapBelowForLaterSearches) {
  for (const Variant* variant : {&kP2, &kP3}) {
    auto tree = make(*variant, geometry(), {{0x80, 0xff}});
    ASSERT_EQ(tree->reserve(0x20, 0x80).node, (Node{0x20, 0xff}));
    expect_valid(*tree);
    // 0x40 pages no longer fit below 0x100; 0x1f still do, at [1, 0x1f].
    EXPECT_EQ(tree->alloc(0x40, 0xff, false), std::nullopt) << variant->name;
    EXPECT_EQ(tree->alloc(0x1f, 0xff, false), Pfn{1}) << variant->name;
  }
}

TEST(GapTree, ReserveOverTheAnchorLowersIt) {
  auto tree = make(kP2);
  EXPECT_EQ(tree->reserve(kMax - 4, kMax).node, (Node{kMax - 4, kMax}));
  expect_valid(*tree);
  EXPECT_FALSE(tree->remove(kMax - 2));
  EXPECT_EQ(tree->alloc(1, kMax - 1, false), Pfn{kMax - 5});
}

// ---- snapshots and construction -------------------------------------------------------------

TEST(GapTree, SnapshotInAnyOrderWithOrWithoutTheAnchor) {
  auto without = make(kP3, geometry(), {{0x30, 0x3f}, {0x10, 0x1f}}, Pfn{0x40});
  auto with = make(kP3, geometry(), {kAnchor, {0x10, 0x1f}, {0x30, 0x3f}}, Pfn{0x40});
  const std::vector<Node> expected{{0x10, 0x1f}, {0x30, 0x3f}, kAnchor};
  EXPECT_EQ(without->nodes(), expected);
  EXPECT_EQ(with->nodes(), expected);
  EXPECT_EQ(max32_of(*with), Pfn{0x40});
  expect_valid(*with);
}

TEST(GapTree, SnapshotMax32AboveDma32IsKeptAndValid) {
  // A mainline log can hold a hint above dma32_pfn (it sets max32 whatever L was).
  auto tree = make(kP2, geometry(), {}, Pfn{0x5000});
  EXPECT_EQ(max32_of(*tree), Pfn{0x5000});
  expect_valid(*tree);
}

TEST(GapTree, BadSnapshotsAndVariantsAreRejected) {
  EXPECT_THROW(make(kP2, geometry(), {{0x10, 0x1f}, {0x1f, 0x20}}), std::invalid_argument);
  EXPECT_THROW(make(kP2, geometry(), {{0x10, 0x1f}, {0x10, 0x1f}}), std::invalid_argument);
  EXPECT_THROW(make(kP2, geometry(), {{0x20, 0x1f}}), std::invalid_argument);
  EXPECT_THROW(make(kP2, geometry(), {{kMax - 1, kMax}, kAnchor}), std::invalid_argument);
  EXPECT_THROW(make(kP2, geometry(), {{kMax - 1, kMax}}), std::invalid_argument);  // overlaps the anchor
  EXPECT_THROW(make(kP2, geometry(), {}, Pfn{0}), std::invalid_argument);
  EXPECT_THROW(make(kP2, geometry(1, 0)), std::invalid_argument);
  const Variant first_fit{.name = "mainline", .origin = "", .summary = "", .search = Search::FirstFitFromCachedNode};
  EXPECT_THROW(make_gap_tree(geometry(), first_fit, nullptr), std::invalid_argument);
}

TEST(GapTree, DescribeNamesTheHintCountAndHeight) {
  auto tree = make(kP2, geometry(), {{0x10, 0x1f}, {0x30, 0x3f}});
  EXPECT_EQ(tree->describe(), "max32_alloc_size 0x100\nnodes 3\ntree height 2\n");
}

// ---- randomized differential test against a brute-force oracle ------------------------------

// The rules of section 5 on a plain map, written for obviousness, not speed.
class Oracle {
 public:
  Oracle(const Config& config, Search search)
      : config_(config), search_(search), max32_(config.dma32_pfn) {
    ranges_[kMax] = kMax;
  }

  std::optional<Pfn> alloc(Pfn size, Pfn limit_pfn, bool size_aligned) {
    const Pfn exclusive_limit = limit_pfn + 1;
    const bool within_dma32 = exclusive_limit <= config_.dma32_pfn;
    if (within_dma32 && size >= max32_) return std::nullopt;
    const Pfn alignment = size_aligned ? std::bit_ceil(size) : 1;
    const auto placed = search_ == Search::HighestGap ? highest_position(size, exclusive_limit, alignment)
                                                      : maple_position(size, exclusive_limit, alignment);
    if (!placed) {
      if (within_dma32) max32_ = size;
      return std::nullopt;
    }
    ranges_[*placed] = *placed + size - 1;
    return placed;
  }

  bool remove(Pfn pfn) {
    const auto holder = holding(pfn);
    if (holder == ranges_.end() || holder->second == kMax) return false;
    if (holder->first < config_.dma32_pfn) max32_ = config_.dma32_pfn;
    ranges_.erase(holder);
    return true;
  }

  std::optional<Node> find(Pfn pfn) const {
    const auto holder = holding(pfn);
    if (holder == ranges_.end()) return std::nullopt;
    return Node{holder->first, holder->second};
  }

  // Section 3's walk, from the lowest node.
  Node reserve(Pfn lo, Pfn hi) {
    bool overlapped = false;
    for (auto it = ranges_.begin(); it != ranges_.end(); ++it) {
      const bool overlaps = it->first <= hi && lo <= it->second;
      if (!overlaps) {
        if (overlapped) break;
        continue;
      }
      overlapped = true;
      if (lo < it->first) {
        const Pfn node_hi = it->second;
        ranges_.erase(it);
        it = ranges_.emplace(lo, node_hi).first;
      }
      if (hi > it->second) lo = it->second + 1;
      if (lo >= it->first && hi <= it->second) return Node{it->first, it->second};
    }
    ranges_[lo] = hi;
    return Node{lo, hi};
  }

  std::vector<Node> nodes() const {
    std::vector<Node> out;
    for (const auto& [lo, hi] : ranges_) out.push_back({lo, hi});
    return out;
  }
  Pfn max32() const { return max32_; }

 private:
  std::map<Pfn, Pfn>::const_iterator holding(Pfn pfn) const {
    auto it = ranges_.upper_bound(pfn);
    if (it == ranges_.begin()) return ranges_.end();
    --it;
    return it->second >= pfn ? it : ranges_.end();
  }

  bool is_free(Pfn lo, Pfn hi) const {
    auto it = ranges_.upper_bound(hi);
    if (it == ranges_.begin()) return true;
    --it;
    return it->second < lo;
  }

  // p2: every aligned candidate from the top down.
  std::optional<Pfn> highest_position(Pfn size, Pfn exclusive_limit, Pfn alignment) const {
    if (exclusive_limit < size) return std::nullopt;
    for (Pfn cand = (exclusive_limit - size) / alignment * alignment;; cand -= alignment) {
      if (cand < config_.start_pfn) return std::nullopt;
      if (is_free(cand, cand + size - 1)) return cand;
      if (cand < alignment) return std::nullopt;
    }
  }

  // p3: every gap from the top down.
  std::optional<Pfn> maple_position(Pfn size, Pfn exclusive_limit, Pfn alignment) const {
    if (exclusive_limit == 0) return std::nullopt;
    const Pfn window_lo = config_.start_pfn;
    const Pfn window_hi = exclusive_limit - 1;
    for (auto it = ranges_.rbegin(); it != ranges_.rend(); ++it) {
      const auto below = std::next(it);
      const Pfn gap_lo = below == ranges_.rend() ? 0 : below->second + 1;
      if (it->first == gap_lo) continue;  // no gap
      const Pfn gap_hi = it->first - 1;
      const Pfn lo = std::max(gap_lo, window_lo);
      const Pfn hi = std::min(gap_hi, window_hi);
      if (lo > hi || hi - lo + 1 < size + alignment - 1) continue;
      return (hi - size + 1) / alignment * alignment;
    }
    return std::nullopt;
  }

  Config config_;
  Search search_;
  Pfn max32_;
  std::map<Pfn, Pfn> ranges_;  // pfn_lo -> pfn_hi, the anchor included
};

// Limits cluster around dma32_pfn (0x100) so that max32 gets exercised; sizes stay small so the
// brute force is cheap. Occasional limits at the top of the range take the wrap-around paths.
void run_differential(const Variant& variant, unsigned seed, int steps) {
  std::mt19937_64 random(seed);
  const auto pick = [&random](Pfn lo, Pfn hi) { return std::uniform_int_distribution<Pfn>(lo, hi)(random); };
  const Config config = geometry(pick(0, 3), 0x100);
  auto tree = make_gap_tree(config, variant, nullptr);
  Oracle oracle(config, variant.search);

  for (int step = 0; step < steps; ++step) {
    const Pfn roll = pick(0, 99);
    std::string op;
    if (roll < 55) {
      const Pfn size = pick(0, 9) == 0 ? pick(1, 80) : pick(1, 12);
      const Pfn limit_roll = pick(0, 49);
      const Pfn limit = limit_roll == 0 ? kMax : limit_roll == 1 ? kMax - pick(1, 3) : pick(0, 0x2ff);
      const bool aligned = pick(0, 1) == 1;
      op = "alloc " + std::to_string(size) + " limit " + std::to_string(limit) + (aligned ? "" : " unaligned");
      ASSERT_EQ(tree->alloc(size, limit, aligned), oracle.alloc(size, limit, aligned)) << op << " at step " << step;
    } else if (roll < 85) {
      const std::vector<Node> nodes = oracle.nodes();
      const Node victim = nodes[pick(0, nodes.size() - 1)];
      const Pfn pfn = victim.pfn_lo + pick(0, std::min<Pfn>(victim.pfn_hi - victim.pfn_lo, 1000));
      op = "free " + std::to_string(pfn);
      ASSERT_EQ(tree->remove(pfn), oracle.remove(pfn)) << op << " at step " << step;
    } else if (roll < 88) {
      const Pfn pfn = pick(0, 0x3ff);
      op = "wild free " + std::to_string(pfn);
      ASSERT_EQ(tree->remove(pfn), oracle.remove(pfn)) << op << " at step " << step;
    } else if (roll < 94) {
      const Pfn lo = pick(0, 0x2ff);
      const Pfn hi = lo + (pick(0, 4) == 0 ? pick(0, 0x80) : pick(0, 6));
      op = "reserve " + std::to_string(lo) + " " + std::to_string(hi);
      const ReserveResult result = tree->reserve(lo, hi);
      ASSERT_EQ(result.status, Status::Ok) << op;
      ASSERT_EQ(result.node, oracle.reserve(lo, hi)) << op << " at step " << step;
    } else {
      const Pfn pfn = pick(0, 0x3ff);
      op = "find " + std::to_string(pfn);
      ASSERT_EQ(tree->find(pfn), oracle.find(pfn)) << op << " at step " << step;
    }
    ASSERT_EQ(tree->nodes(), oracle.nodes()) << "after " << op << " at step " << step;
    ASSERT_EQ(max32_of(*tree), oracle.max32()) << "after " << op << " at step " << step;
    const auto failure = tree->validate();
    ASSERT_FALSE(failure.has_value()) << *failure << " after " << op << " at step " << step;
  }
}

TEST(GapTreeDifferential, P2MatchesBruteForce) {
  for (unsigned seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    ASSERT_NO_FATAL_FAILURE(run_differential(kP2, seed, 2500));
  }
}

TEST(GapTreeDifferential, P3MatchesBruteForce) {
  for (unsigned seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    ASSERT_NO_FATAL_FAILURE(run_differential(kP3, seed, 2500));
  }
}

// ---- scale: 100k nodes in and out, correctness only ------------------------------------------

TEST(GapTreeScale, HundredThousandAllocationsAndFrees) {
  constexpr Pfn kCount = 100'000;
  constexpr Pfn kLimit = 0x10'0000'0000;
  const auto pair_at = [](Pfn i) { return kLimit - 2 * (i + 1); };
  for (const Variant* variant : {&kP2, &kP3}) {
    SCOPED_TRACE(std::string(variant->name));
    auto tree = make_gap_tree(geometry(), *variant, nullptr);
    // Aligned pairs from the top down: [L - 2, L - 1], [L - 4, L - 3], ...
    for (Pfn i = 0; i < kCount; ++i) ASSERT_EQ(tree->alloc(2, kLimit - 1, true), pair_at(i));
    ASSERT_FALSE(tree->validate().has_value());
    // Free every other pair in shuffled order.
    std::vector<Pfn> holes;
    for (Pfn i = 0; i < kCount; i += 2) holes.push_back(pair_at(i));
    std::shuffle(holes.begin(), holes.end(), std::mt19937_64(7));
    for (const Pfn pfn : holes) ASSERT_TRUE(tree->remove(pfn + 1));
    ASSERT_FALSE(tree->validate().has_value());
    // Refill, highest hole first. p3 wants 2 + 2 - 1 pages for an aligned pair, more than a
    // hole, so it goes below everything aligned and into the holes only unaligned.
    const bool aligned = variant->search == Search::HighestGap;
    if (!aligned) {
      ASSERT_EQ(tree->alloc(2, kLimit - 1, true), pair_at(kCount));
      ASSERT_TRUE(tree->remove(pair_at(kCount)));
    }
    std::sort(holes.begin(), holes.end(), std::greater<>());
    for (const Pfn pfn : holes) ASSERT_EQ(tree->alloc(2, kLimit - 1, aligned), pfn);
    // Then everything out.
    for (Pfn i = 0; i < kCount; ++i) ASSERT_TRUE(tree->remove(pair_at(i)));
    EXPECT_EQ(tree->nodes(), std::vector<Node>{kAnchor});
    EXPECT_FALSE(tree->validate().has_value());
    EXPECT_NE(tree->describe().find("nodes 1\n"), std::string::npos) << tree->describe();
  }
}

}  // namespace
}  // namespace iovacheck::impl
