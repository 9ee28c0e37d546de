// The first-fit walk's shortcut (impl/cached_tree.h, FirstFitWalk::SkippingGaps) against the
// kernel's node-by-node walk (FirstFitWalk::Linear), the reference: two trees of the same variant
// get the same random operations, and every result, where each search ended, the nodes, the
// hints, max32 and validate() must agree after each one. Every first-fit variant runs, bare and
// with every fix that applies, on geometries with start_pfn 0 and above, a small and the real
// dma32, sizes up to 2^64-1, limits from below start_pfn to 2^64-1, aligned or not.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "impl/cached_tree.h"
#include "impl/node_set.h"
#include "impl/tree_allocator.h"
#include "impl/variant.h"
#include "tests/impl/domain_helpers.h"

namespace iovacheck::impl {
namespace {

using testing::geometry;

// Outside sanitizer builds a freed node's memory is kept, so both trees may go on past a
// structural fault (z4's dangling hint, z5's wrapped node) and the walks over it are compared too.
bool faults_are_survivable() { return NodeSet(/*keep_freed_nodes=*/true).keeps_freed_nodes(); }

class WalkPair {
 public:
  WalkPair(const Config& config, const Variant& variant, std::uint64_t seed)
      : config_(config),
        skipping_(make_cached_tree(config, variant, nullptr, FirstFitWalk::SkippingGaps)),
        linear_(make_cached_tree(config, variant, nullptr, FirstFitWalk::Linear)),
        random_(seed) {}

  // One random operation on both trees; what it was, for failure messages.
  std::string step() {
    switch (below(10)) {
      case 0: case 1: case 2: case 3: case 4: return alloc();
      case 5: case 6: case 7: return remove();
      case 8: return below(4) == 0 ? reserve() : find();
      default: return alloc_large();
    }
  }

  // Everything the two trees show agrees; the first difference otherwise.
  void expect_same(const std::string& what) const {
    ASSERT_EQ(skipping_->nodes(), linear_->nodes()) << what;
    ASSERT_EQ(skipping_->describe(), linear_->describe()) << what;
    ASSERT_EQ(skipping_->validate(), linear_->validate()) << what;
  }

  bool broken() const { return linear_->validate().has_value(); }

 private:
  Pfn below(Pfn bound) { return random_() % bound; }

  Pfn size() {
    switch (below(16)) {
      case 0: return 1 + below(200);
      case 1: return Pfn{1} << below(64);
      case 2: return ~Pfn{0} - below(3);
      default: return 1 + below(8);
    }
  }

  Pfn limit() {
    switch (below(10)) {
      case 0: return ~Pfn{0};
      case 1: return ~Pfn{0} - 1;
      case 2: return config_.dma32_pfn - 1;
      case 3: return config_.start_pfn + below(4);
      case 4: return below(0x20);
      default: return below(0x400);
    }
  }

  std::string alloc() { return alloc_of(size(), limit()); }
  std::string alloc_large() { return alloc_of(1 + below(0x40), ~Pfn{0} - below(0x100)); }

  std::string alloc_of(Pfn n, Pfn l) {
    const bool aligned = below(2) == 0;
    const auto placed = skipping_->alloc(n, l, aligned);
    const auto reference = linear_->alloc(n, l, aligned);
    const std::string what = "alloc " + std::to_string(n) + " limit " + std::to_string(l) + (aligned ? "" : " unaligned");
    EXPECT_EQ(placed, reference) << what;
    EXPECT_EQ(skipping_->last_exit(), linear_->last_exit()) << what;
    return what;
  }

  // A node's start, a pfn inside one, or any pfn.
  std::string remove() {
    const std::vector<Node> nodes = linear_->nodes();
    const Node& node = nodes[below(nodes.size())];
    const Pfn length = node.pfn_hi - node.pfn_lo + 1;  // 0 for a node that wraps (z5) all the way round
    const Pfn pfn = below(4) == 0 ? below(0x400) : node.pfn_lo + (below(2) == 0 || length == 0 ? 0 : below(length));
    EXPECT_EQ(skipping_->remove(pfn), linear_->remove(pfn)) << "remove " << pfn;
    return "remove " + std::to_string(pfn);
  }

  std::string reserve() {
    const Pfn lo = below(4) == 0 ? ~Pfn{0} - below(0x10) : below(0x400);
    const Pfn hi = lo + below(std::min<Pfn>(7, ~Pfn{0} - lo) + 1);
    const ReserveResult placed = skipping_->reserve(lo, hi);
    const ReserveResult reference = linear_->reserve(lo, hi);
    EXPECT_EQ(placed.status, reference.status);
    EXPECT_EQ(placed.node, reference.node);
    return "reserve " + std::to_string(lo) + " " + std::to_string(hi);
  }

  std::string find() {
    const Pfn pfn = below(0x400);
    EXPECT_EQ(skipping_->find(pfn), linear_->find(pfn)) << "find " << pfn;
    return "find " + std::to_string(pfn);
  }

  Config config_;
  std::unique_ptr<TreeAllocator> skipping_;
  std::unique_ptr<TreeAllocator> linear_;
  std::mt19937_64 random_;
};

std::vector<Variant> first_fit_variants() {
  std::vector<Variant> variants;
  for (const Variant& variant : all_variants()) {
    if (variant.search != Search::FirstFitFromCachedNode) continue;
    variants.push_back(variant);
    variants.push_back(with_all_fixes(variant));
  }
  return variants;
}

TEST(FirstFitWalk, SkippingGapsMatchesTheLinearWalkForEveryFirstFitVariant) {
  const std::vector<Config> geometries = {geometry(0x10, 127, 1, 0), geometry(0x100, 127, 1, 1),
                                          geometry(0x100000, 127, 1, 5), geometry(0x2, 127, 1, 0)};
  const int steps_past_a_fault = faults_are_survivable() ? 50 : 0;
  std::uint64_t seed = 20261130;
  for (const Variant& variant : first_fit_variants()) {
    for (const Config& config : geometries) {
      for (int run = 0; run < 2; ++run) {
        WalkPair pair(config, variant, ++seed);
        int steps_left_after_fault = steps_past_a_fault;
        for (int step = 0; step < 1000 && steps_left_after_fault >= 0; ++step) {
          const std::string what = pair.step();
          const std::string where = variant_name(variant) + " start " + std::to_string(config.start_pfn) + " dma32 " +
                                    std::to_string(config.dma32_pfn) + " seed " + std::to_string(seed) + " step " +
                                    std::to_string(step) + ": " + what;
          ASSERT_NO_FATAL_FAILURE(pair.expect_same(where));
          if (::testing::Test::HasNonfatalFailure()) FAIL() << where;
          if (pair.broken()) --steps_left_after_fault;
        }
      }
    }
  }
}

// A walk that must pass a long run of nodes with gaps too short: the skip lands where the linear
// walk stops, for a gap just long enough, one that is long enough only unaligned, and none.
TEST(FirstFitWalk, SkipsARunOfShortGapsToTheSameStop) {
  const Config config = geometry(0x100000);
  for (const bool aligned : {false, true}) {
    const auto skipping = make_cached_tree(config, mainline(), nullptr, FirstFitWalk::SkippingGaps);
    const auto linear = make_cached_tree(config, mainline(), nullptr, FirstFitWalk::Linear);
    for (const auto& tree : {skipping.get(), linear.get()}) {
      for (Pfn pfn = 0x1000; pfn < 0x2000; pfn += 4) tree->reserve(pfn, pfn + 2);  // gaps of 1
      tree->reserve(0x800, 0x80f);
      tree->reserve(0x815, 0x9ff);  // a gap of 5 at [0x810, 0x814], aligned for 4 only at 0x810
    }
    for (const Pfn size : {Pfn{1}, Pfn{4}, Pfn{5}, Pfn{6}}) {
      EXPECT_EQ(skipping->alloc(size, 0x1fff, aligned), linear->alloc(size, 0x1fff, aligned))
          << "size " << size << (aligned ? " aligned" : "");
      EXPECT_EQ(skipping->nodes(), linear->nodes());
      EXPECT_EQ(skipping->describe(), linear->describe());
    }
  }
}

// Near pfn 0 the candidate underflows: z5, which lacks the guard, takes the wrapped candidate of
// the first node where high < size, so the skip must not pass that node. Here the walk comes down
// to [3, 5] (high 3 < size 4) over gaps of 0 and stops on the wrapped candidate 2^64-1.
TEST(FirstFitWalk, StopsAtTheFirstNodeWhereTheCandidateUnderflows) {
  const Config config = geometry(0x100000, 127, 1, /*start_pfn=*/0);
  const Variant& z5 = testing::variant("z5-no-underflow-guard");
  const auto skipping = make_cached_tree(config, z5, nullptr, FirstFitWalk::SkippingGaps);
  const auto linear = make_cached_tree(config, z5, nullptr, FirstFitWalk::Linear);
  for (const auto& tree : {skipping.get(), linear.get()}) {
    tree->reserve(1, 2);
    tree->reserve(3, 5);
    tree->reserve(6, 0x20);
  }
  EXPECT_EQ(linear->alloc(4, 0x20, false), std::optional<Pfn>{~Pfn{0}});
  EXPECT_EQ(skipping->alloc(4, 0x20, false), std::optional<Pfn>{~Pfn{0}});
  EXPECT_EQ(skipping->describe(), linear->describe());
}

}  // namespace
}  // namespace iovacheck::impl
