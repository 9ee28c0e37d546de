// The cached tree's node storage (impl/node_set.h): its links and index against an ordered
// std::set of the same nodes under random creation and destruction, lookups against a scan, the
// downward walk and its shortcut (first_possible_stop), a stale hint's position, and reserve's
// in-place lowering.
#include "impl/node_set.h"

#include <gtest/gtest.h>

#include <iterator>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "impl/tree_allocator.h"

namespace iovacheck::impl {
namespace {

std::vector<Pfn> linked_los(const NodeSet& nodes) {
  std::vector<Pfn> los;
  for (const IovaNode* node = nodes.lowest(); node; node = node->next) los.push_back(node->pfn_lo);
  return los;
}

std::vector<Pfn> walked_down_los(const NodeSet& nodes) {
  std::vector<Pfn> los;
  NodeSet::Handle position = nodes.highest();
  los.push_back(position->pfn_lo);
  while (const IovaNode* below = nodes.step_down(position)) los.push_back(below->pfn_lo);
  return {los.rbegin(), los.rend()};
}

TEST(NodeSet, HoldsTheAnchorAloneAtFirst) {
  const NodeSet nodes;
  EXPECT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes.lowest(), nodes.anchor());
  EXPECT_EQ(nodes.highest(), nodes.anchor());
  EXPECT_EQ(nodes.anchor()->pfn_lo, kAnchorPfn);
  EXPECT_EQ(nodes.link_problem(), std::nullopt);
}

// Random one-page-to-eight-page nodes created and destroyed; after each change the links, the
// walk down and every lookup agree with a std::set of the same ranges.
TEST(NodeSet, LinksAndLookupsAgreeWithAnOrderedSetUnderRandomChanges) {
  std::mt19937_64 random(20261130);
  NodeSet nodes;
  std::set<std::pair<Pfn, Pfn>> reference{{kAnchorPfn, kAnchorPfn}};
  for (int round = 0; round < 4000; ++round) {
    const Pfn lo = random() % 512;
    const Pfn hi = lo + random() % 8;
    const auto above = reference.lower_bound({lo, 0});
    const bool overlaps = (above != reference.end() && above->first <= hi) ||
                          (above != reference.begin() && std::prev(above)->second >= lo);
    if (!overlaps && random() % 3 != 0) {
      const IovaNode* made = nodes.create(Node{lo, hi});
      ASSERT_TRUE(made->linked);
      reference.insert({lo, hi});
    } else if (reference.size() > 1) {
      auto victim = reference.begin();
      std::advance(victim, static_cast<long>(random() % (reference.size() - 1)));
      nodes.destroy(nodes.containing(victim->first));
      reference.erase(victim);
    }
    ASSERT_EQ(nodes.link_problem(), std::nullopt);
    ASSERT_EQ(nodes.index_problem(), std::nullopt);
    std::vector<Pfn> expected;
    for (const auto& [each_lo, each_hi] : reference) expected.push_back(each_lo);
    ASSERT_EQ(linked_los(nodes), expected);
    ASSERT_EQ(walked_down_los(nodes), expected);
    ASSERT_EQ(nodes.size(), reference.size());
    const Pfn probe = random() % 520;
    const auto holder = reference.upper_bound({probe, kAnchorPfn});
    const bool held = holder != reference.begin() && std::prev(holder)->second >= probe;
    const IovaNode* found = nodes.containing(probe);
    ASSERT_EQ(found != nullptr, held) << "pfn " << probe;
    if (held) {
      EXPECT_EQ(found->pfn_lo, std::prev(holder)->first);
    }
  }
}

// A node found by its start never answers for another pfn, nor after it is gone or moved: in a
// small set and in sets whose table of starts has grown (remade) past its first size.
class RememberedNodes : public testing::TestWithParam<int> {};
INSTANTIATE_TEST_SUITE_P(SmallAndLarge, RememberedNodes, testing::Values(0, 20, 200));

TEST_P(RememberedNodes, AnswerOnlyForTheirOwnStart) {
  NodeSet nodes;
  for (int filler = 0; filler < GetParam(); ++filler) nodes.create(Node{1000 + 10 * Pfn(filler), 1000 + 10 * Pfn(filler) + 4});
  nodes.create(Node{10, 19});
  nodes.create(Node{20, 29});
  EXPECT_EQ(nodes.containing(15)->pfn_lo, 10u);
  EXPECT_EQ(nodes.containing(25)->pfn_lo, 20u);
  EXPECT_EQ(nodes.containing(30), nullptr);
  EXPECT_EQ(nodes.containing(9), nullptr);
  EXPECT_EQ(nodes.containing(12)->pfn_lo, 10u);
  nodes.destroy(nodes.containing(20));
  EXPECT_EQ(nodes.containing(20), nullptr);
  IovaNode* moved = nodes.containing(10);
  nodes.lower_lo(moved, 5);
  EXPECT_EQ(nodes.containing(10), moved);
  EXPECT_EQ(nodes.containing(5), moved);
  EXPECT_EQ(nodes.containing(4), nullptr);
}

TEST(NodeSet, ALinkedNodeIsItsOwnPositionAndAStaleOneTheNextNodeAboveWhereItWas) {
  NodeSet nodes(/*keep_freed_nodes=*/true);
  IovaNode* low = nodes.create(Node{10, 19});
  IovaNode* middle = nodes.create(Node{40, 49});
  IovaNode* high = nodes.create(Node{80, 89});
  EXPECT_EQ(nodes.position(middle), middle);
  nodes.destroy(middle);  // a hint to it now dangles (z4)
  if (nodes.keeps_freed_nodes()) {  // outside ASan builds, which free it for real
    EXPECT_FALSE(middle->linked);
    NodeSet::Handle position = nodes.position(middle);
    EXPECT_EQ(position, high);
    EXPECT_EQ(nodes.step_down(position), low);
    EXPECT_EQ(nodes.step_down(position), nullptr);
    EXPECT_EQ(position, low);  // unchanged below the lowest
  }
}

TEST(NodeSet, ATakenStartIsRefusedAndKeptUnlinked) {
  NodeSet nodes;
  nodes.create(Node{10, 19});
  const IovaNode* refused = nodes.create(Node{10, 12});
  EXPECT_FALSE(refused->linked);
  EXPECT_TRUE(nodes.is_unlinked(refused));
  EXPECT_FALSE(nodes.is_linked(refused));
  EXPECT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes.containing(11)->pfn_hi, 19u);
}

TEST(NodeSet, LoweringAStartKeepsTheNodeItsLinksAndItsLookups) {
  NodeSet nodes;
  nodes.create(Node{10, 19});
  IovaNode* upper = nodes.create(Node{40, 49});
  nodes.lower_lo(upper, 25);
  EXPECT_EQ(upper->pfn_lo, 25u);
  EXPECT_EQ(nodes.containing(30), upper);
  EXPECT_EQ(nodes.containing(22), nullptr);
  EXPECT_EQ(nodes.link_problem(), std::nullopt);
  EXPECT_EQ(linked_los(nodes), (std::vector<Pfn>{10, 25, kAnchorPfn}));
}

// first_possible_stop against a scan down the links: the first node at or below `from` that is
// the lowest, has at least `size` free pfns below it, or starts below continues_from.
TEST(NodeSet, FirstPossibleStopIsTheFirstNodeDownTheLinksWhereAWalkMayStop) {
  std::mt19937_64 random(20261201);
  NodeSet nodes;
  for (int round = 0; round < 3000; ++round) {
    const Pfn lo = random() % 2048;
    const Pfn hi = lo + random() % 6;
    if (!nodes.containing(lo) && !nodes.containing(hi) && random() % 4 != 0) {
      if (const IovaNode* above = nodes.lowest_ending_at_or_after(lo); above && above->pfn_lo > hi) nodes.create(Node{lo, hi});
    } else if (IovaNode* victim = nodes.containing(random() % 2048)) {
      nodes.destroy(victim);
    }
    std::vector<IovaNode*> all;
    for (IovaNode* node = nodes.lowest(); node; node = node->next) all.push_back(node);
    IovaNode* from = all[random() % all.size()];
    const Pfn size = 1 + random() % 12;
    const Pfn continues_from = random() % 4 == 0 ? 0 : random() % 2100;
    IovaNode* expected = from;
    while (expected->prev && expected->pfn_lo >= continues_from && expected->pfn_lo - expected->prev->pfn_hi - 1 < size)
      expected = expected->prev;
    ASSERT_EQ(nodes.first_possible_stop(from, size, continues_from), expected)
        << "from " << from->pfn_lo << " size " << size << " continues_from " << continues_from;
  }
  EXPECT_EQ(nodes.link_problem(), std::nullopt);
  EXPECT_EQ(nodes.index_problem(), std::nullopt);
}

TEST(NodeSet, ReserveWalksUpFromTheFirstNodeEndingAtOrAfterAPfn) {
  NodeSet nodes;
  IovaNode* low = nodes.create(Node{10, 19});
  IovaNode* high = nodes.create(Node{40, 49});
  EXPECT_EQ(nodes.lowest_ending_at_or_after(15), low);
  EXPECT_EQ(nodes.lowest_ending_at_or_after(20), high);
  EXPECT_EQ(nodes.next(high), nodes.anchor());
  EXPECT_TRUE(nodes.is_end(nodes.next(nodes.anchor())));
}

}  // namespace
}  // namespace iovacheck::impl
