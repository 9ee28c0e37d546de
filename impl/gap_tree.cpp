// p2-augmented and p3-maple (docs/spec.md section 5): no cached nodes; placement is
// the highest usable gap, found on the augmented AVL tree of gap_tree_avl.h.
#include "impl/gap_tree.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "impl/gap_tree_avl.h"
#include "impl/max32.h"
#include "impl/pfn_math.h"
#include "impl/pfn_text.h"
#include "impl/reserve.hpp"

namespace iovacheck::impl {
namespace {

using gap_tree_detail::GapAvl;
using gap_tree_detail::GapQuery;

struct Span {
  Pfn lo = 0;
  Pfn hi = 0;
};

// The part of the gap [gap_lo, gap_hi] inside the query's window, if any.
std::optional<Span> clip(Pfn gap_lo, Pfn gap_hi, const GapQuery& query) {
  const Span span{std::max(gap_lo, query.window_lo), std::min(gap_hi, query.window_hi)};
  if (span.lo > span.hi) return std::nullopt;
  return span;
}

class GapTree final : public TreeAllocator {
 public:
  GapTree(const Config& config, const Variant& variant, const TreeSnapshot* snapshot)
      : config_(config), search_(variant.search), exact_fit_fallback_(variant.fixes.f7),
        reserve_growth_(ReserveGrowth::of(variant.fixes)), max32_(config, variant) {
    if (config.dma32_pfn == 0) throw std::invalid_argument("gap tree: dma32_pfn must be at least 1");
    tree_.reserve(gap_tree_detail::kTypicalTreeNodes);
    if (snapshot != nullptr) {
      load(*snapshot);
    } else {
      tree_.insert(Node{kAnchorPfn, kAnchorPfn});
    }
    // max32 only ever drops to a failing size below it, resets, or (f1, f6) rises to the ceiling.
    max32_bound_ = std::max(max32_.value(), max32_.ceiling());
  }

  std::optional<Pfn> alloc(Pfn size, Pfn limit_pfn, bool size_aligned) override {
    if (size == 0) throw std::invalid_argument("gap tree alloc: size must be at least 1");
    const Pfn exclusive_limit = limit_pfn + 1;  // 0 when limit_pfn is 2^64-1: nothing fits
    last_exit_ = SearchExit::EarlyCheck;
    if (max32_.refuses(size, exclusive_limit)) return std::nullopt;
    last_exit_ = SearchExit::WholeSearch;
    const std::optional<Pfn> placed = place(size, exclusive_limit, size_aligned);
    if (!placed) {
      max32_.failed(size, size_aligned ? size_align_mask(size) : ~Pfn{0}, exclusive_limit, /*searched_whole_window=*/true);
      return std::nullopt;
    }
    tree_.insert(Node{*placed, *placed + (size - 1)});
    return placed;
  }

  bool remove(Pfn pfn) override {
    const GapAvl::Handle holder = tree_.containing(pfn);
    if (GapAvl::is_end(holder)) return false;
    const Node victim = tree_.node(holder);
    if (victim.pfn_hi == kAnchorPfn) return false;
    if (victim.pfn_lo < config_.dma32_pfn) max32_.reset();
    tree_.erase(holder);
    return true;
  }

  std::size_t node_count() const override { return tree_.size(); }

  std::optional<Node> find(Pfn pfn) const override {
    const GapAvl::Handle holder = tree_.containing(pfn);
    if (GapAvl::is_end(holder)) return std::nullopt;
    return tree_.node(holder);
  }

  ReserveResult reserve(Pfn pfn_lo, Pfn pfn_hi) override {
    if (pfn_lo > pfn_hi) return {Status::BadInput, {}};
    return reserve_range(tree_, pfn_lo, pfn_hi, reserve_growth_);
  }

  void for_each_node(const NodeVisitor& visit) const override {
    tree_.for_each([&](GapAvl::Handle h) { visit(tree_.node(h)); });
  }

  std::optional<std::string> validate() const override {
    if (auto failure = tree_.check()) return failure;
    if (tree_.empty()) return "gap tree: the anchor is missing (no nodes)";
    const Node top = tree_.node(tree_.highest());
    if (top.pfn_hi != kAnchorPfn) return "gap tree: highest node " + range_text(top) + " is not the anchor";
    if (max32_.value() == 0) return "gap tree: max32_alloc_size is 0";
    if (max32_.value() > max32_bound_) {
      return "gap tree: max32_alloc_size " + hex(max32_.value()) + " above both dma32_pfn and its initial value";
    }
    return std::nullopt;
  }

  TreeHints hints() const override { return TreeHints{{}, {}, max32_.value()}; }  // no cached nodes
  SearchExit last_exit() const override { return last_exit_; }

  std::string describe() const override {
    return "max32_alloc_size " + hex(max32_.value()) + "\nnodes " + std::to_string(tree_.size()) +
           "\ntree height " + std::to_string(tree_.height()) + "\n";
  }

 private:
  // Snapshot nodes in any order, the anchor optional; cached refs are ignored (p2/p3 have no
  // cached nodes).
  void load(const TreeSnapshot& snapshot) {
    std::vector<Node> sorted = snapshot.nodes;
    const Node anchor{kAnchorPfn, kAnchorPfn};
    if (std::ranges::find(sorted, anchor) == sorted.end()) sorted.push_back(anchor);
    std::ranges::sort(sorted, {}, &Node::pfn_lo);
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i].pfn_lo > sorted[i].pfn_hi) {
        throw std::invalid_argument("gap tree snapshot: node " + range_text(sorted[i]) + " has pfn_lo above pfn_hi");
      }
      if (i > 0 && sorted[i - 1].pfn_hi >= sorted[i].pfn_lo) {
        throw std::invalid_argument("gap tree snapshot: nodes " + range_text(sorted[i - 1]) + " and " +
                                    range_text(sorted[i]) + " overlap");
      }
    }
    for (const Node& node : sorted) tree_.insert(node);
    if (snapshot.max32_alloc_size) {
      if (*snapshot.max32_alloc_size == 0) throw std::invalid_argument("gap tree snapshot: max32_alloc_size is 0");
      max32_.load(*snapshot.max32_alloc_size);
    }
  }

  // Section 5: the start of [cand, cand + size - 1] for the highest gap the variant's rule
  // accepts inside [start_pfn, exclusive_limit - 1], or nullopt.
  std::optional<Pfn> place(Pfn size, Pfn exclusive_limit, bool size_aligned) const {
    if (exclusive_limit == 0 || exclusive_limit <= config_.start_pfn) return std::nullopt;
    const Pfn align_mask = size_aligned ? size_align_mask(size) : ~Pfn{0};
    const Pfn size_minus_one = size - 1;
    GapQuery query{.min_length_minus_one = size_minus_one,
                   .window_lo = config_.start_pfn,
                   .window_hi = exclusive_limit - 1};
    if (search_ == Search::HighestGap) {
      // p2: the highest aligned start in any gap. The subtree prune (largest gap >= size) is
      // exact without alignment. With alignment A a gap of length size .. size + A - 2 may
      // still have no aligned start, so the search can descend into subtrees that yield
      // nothing: O((1 + k) log n) for k such gaps above the answer, O(n) in the worst case
      // (every gap of such a length and misaligned). p3's rule does not have this problem.
      return highest_aligned(query, size_minus_one, align_mask);
    }
    // p3: only gaps whose clipped part holds size + A - 1 pages, where any alignment fits; the
    // prune on the largest gap is then exact and the search O(log n). Only the gaps straddling
    // the window's ends are clipped. If size + A - 1 exceeds 2^64 - 1 no gap is that long.
    const Pfn alignment_minus_one = ~align_mask;
    std::optional<Pfn> placed;
    if (size_minus_one <= std::numeric_limits<Pfn>::max() - alignment_minus_one) {
      GapQuery slack_query = query;
      slack_query.min_length_minus_one = size_minus_one + alignment_minus_one;
      placed = tree_.highest_placement(slack_query, [&](Pfn gap_lo, Pfn gap_hi) -> std::optional<Pfn> {
        const std::optional<Span> usable = clip(gap_lo, gap_hi, slack_query);
        if (!usable || usable->hi - usable->lo < slack_query.min_length_minus_one) return std::nullopt;
        return (usable->hi - size_minus_one) & align_mask;
      });
    }
    // f7 (F7's fix): before failing, the exact aligned fits p3's rule skips; p3's placements
    // are unchanged wherever its rule finds a gap.
    if (!placed && exact_fit_fallback_) return highest_aligned(query, size_minus_one, align_mask);
    return placed;
  }

  // p2's search: the highest aligned start in any gap of the window.
  std::optional<Pfn> highest_aligned(const GapQuery& query, Pfn size_minus_one, Pfn align_mask) const {
    return tree_.highest_placement(query, [&](Pfn gap_lo, Pfn gap_hi) -> std::optional<Pfn> {
      const std::optional<Span> usable = clip(gap_lo, gap_hi, query);
      if (!usable || usable->hi - usable->lo < size_minus_one) return std::nullopt;
      const Pfn cand = (usable->hi - size_minus_one) & align_mask;
      if (cand < usable->lo) return std::nullopt;
      return cand;
    });
  }

  Config config_;
  Search search_;
  bool exact_fit_fallback_;  // f7
  ReserveGrowth reserve_growth_;  // f3, f9
  GapAvl tree_;
  Max32Estimate max32_;
  Pfn max32_bound_ = 0;
  SearchExit last_exit_ = SearchExit::WholeSearch;
};

}  // namespace

std::unique_ptr<TreeAllocator> make_gap_tree(const Config& config, const Variant& variant,
                                             const TreeSnapshot* snapshot) {
  if (variant.search != Search::HighestGap && variant.search != Search::MapleGap) {
    throw std::invalid_argument("gap tree: variant " + std::string(variant.name) +
                                " does not search for the highest gap (p2/p3 only)");
  }
  return std::make_unique<GapTree>(config, variant, snapshot);
}

}  // namespace iovacheck::impl
