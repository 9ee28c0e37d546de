#include "impl/cached_tree.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "impl/max32.h"
#include "impl/node_set.h"
#include "impl/pfn_math.h"
#include "impl/pfn_text.h"
#include "impl/reserve.hpp"

namespace iovacheck::impl {
namespace {

// Sections 2-3: the node set with cached_node, cached32_node and max32_alloc_size. The variant's
// flags select the deltas; Search::BestFit swaps in p1's placement and keeps the rest.
class CachedTree final : public TreeAllocator {
 public:
  CachedTree(const Config& config, const Variant& variant, const TreeSnapshot* snapshot, FirstFitWalk walk)
      : variant_(variant),
        walk_(walk),
        start_pfn_(config.start_pfn),
        dma32_pfn_(config.dma32_pfn),
        nodes_(/*keep_freed_nodes=*/!variant.delete_checks_free_is_cached32),  // z4's hint may dangle
        cached_node_(nodes_.anchor()),
        cached32_node_(nodes_.anchor()),
        max32_(config, variant) {
    if (snapshot) load(*snapshot);
  }

  std::optional<Pfn> alloc(Pfn size, Pfn limit_pfn, bool size_aligned) override {
    return variant_.search == Search::BestFit ? best_fit(size, limit_pfn, size_aligned)
                                              : first_fit(size, limit_pfn, size_aligned);
  }

  bool remove(Pfn pfn) override {
    IovaNode* node = nodes_.containing(pfn);
    if (!node || node == nodes_.anchor()) return false;
    update_hints_for_removal(node);
    nodes_.destroy(node);
    return true;
  }

  std::optional<Node> find(Pfn pfn) const override {
    const IovaNode* node = nodes_.containing(pfn);
    if (!node) return std::nullopt;
    return Node{node->pfn_lo, node->pfn_hi};
  }

  ReserveResult reserve(Pfn pfn_lo, Pfn pfn_hi) override {
    return reserve_range(nodes_, pfn_lo, pfn_hi, ReserveGrowth::of(variant_.fixes));
  }

  void for_each_node(const NodeVisitor& visit) const override {
    for (const IovaNode* node = nodes_.lowest(); node; node = node->next) visit(Node{node->pfn_lo, node->pfn_hi});
  }

  std::size_t node_count() const override { return nodes_.size(); }
  std::optional<std::string> validate() const override;
  TreeHints hints() const override {
    return TreeHints{hint_ref(cached_node_), hint_ref(cached32_node_), max32_.value()};
  }
  SearchExit last_exit() const override { return last_exit_; }

  std::string describe() const override {
    return "cached_node " + hint_text(cached_node_) + "\ncached32_node " + hint_text(cached32_node_) +
           "\nmax32_alloc_size " + hex(max32_.value()) + "\n" +
           (variant_.max32_policy == Max32Policy::SplitByAlignment ? "max32_aligned " + hex(max32_.aligned_value()) + "\n"
                                                                    : "");
  }

 private:
  void load(const TreeSnapshot& snapshot);
  std::optional<Pfn> first_fit(Pfn size, Pfn limit_pfn, bool size_aligned);
  void pass_nodes_that_cannot_stop(const IovaNode*& curr, NodeSet::Handle& position, Pfn high, Pfn size,
                                   const std::optional<Pfn>& continues_from) const;
  std::optional<Pfn> best_fit(Pfn size, Pfn limit_pfn, bool size_aligned);
  void update_hints_for_removal(const IovaNode* free);
  std::string hint_text(const IovaNode* hint) const;
  HintRef hint_ref(const IovaNode* hint) const;

  const Variant& variant_;
  const FirstFitWalk walk_;
  const Pfn start_pfn_;
  const Pfn dma32_pfn_;
  NodeSet nodes_;
  IovaNode* cached_node_;
  IovaNode* cached32_node_;
  Max32Estimate max32_;
  bool hung_ = false;  // an allocation that would never return in the kernel
  SearchExit last_exit_ = SearchExit::FirstPass;
};

// The lowest `high` from which the walk's candidate, (high - size) & align_mask, neither
// underflows nor falls below low; nullopt when there is none. At a node starting below it the
// walk stops whatever the gap below that node.
std::optional<Pfn> lowest_high_keeping_candidate(Pfn low, Pfn size, Pfn align_mask) {
  const Pfn round_up = ~align_mask;  // the alignment minus one (2^64 - 1 for mask 0)
  if (low > ~Pfn{0} - round_up) return std::nullopt;  // no aligned candidate at or above low
  const Pfn lowest_candidate = (low + round_up) & align_mask;
  if (lowest_candidate > ~Pfn{0} - size) return std::nullopt;
  return lowest_candidate + size;
}

// At a linked node u that starts at or below high, the walk's next high is u's pfn_lo and its
// candidate (pfn_lo - size) & align_mask, at most pfn_lo - size. While the gap below u is shorter
// than size, the node below u ends at or above pfn_lo - size, so the candidate does not fit above
// it; while pfn_lo >= continues_from, the candidate neither underflows nor falls below low: the
// walk steps on. Moving straight to the first node where it may stop changes nothing but the time.
void CachedTree::pass_nodes_that_cannot_stop(const IovaNode*& curr, NodeSet::Handle& position, Pfn high, Pfn size,
                                             const std::optional<Pfn>& continues_from) const {
  if (walk_ == FirstFitWalk::Linear || !continues_from || curr != position || curr->pfn_lo > high) return;
  position = nodes_.first_possible_stop(position, size, *continues_from);
  curr = position;
}

// Section 3, steps 1-6.
std::optional<Pfn> CachedTree::first_fit(Pfn size, Pfn limit_pfn, bool size_aligned) {
  const Pfn limit = limit_pfn + 1;  // exclusive; 2^64-1 wraps to 0 and the search fails
  const Pfn align_mask = size_aligned ? size_align_mask(size) : ~Pfn{0};
  const bool below_dma32 = limit <= dma32_pfn_;
  last_exit_ = SearchExit::EarlyCheck;
  if (max32_.refuses(size, limit, size_aligned)) return std::nullopt;
  last_exit_ = SearchExit::FirstPass;

  const IovaNode* curr = below_dma32 ? cached32_node_ : cached_node_;
  const Pfn retry_pfn = variant_.retry_pfn_is_hi_plus_one ? curr->pfn_hi + 1 : curr->pfn_hi;
  Pfn high = limit;
  Pfn low = start_pfn_;
  Pfn candidate = 0;
  auto position = nodes_.position(curr);
  std::optional<Pfn> continues_from = lowest_high_keeping_candidate(low, size, align_mask);
  // The spec's retry can only follow the first pass; when the retry's low equals start_pfn again
  // (z2 at the anchor with start_pfn 0, or a cached node ending at start_pfn - 1) the kernel
  // repeats the same pass forever. We stop and record the hang for validate() to report.
  bool retried = false;
  for (;;) {
    do {
      pass_nodes_that_cannot_stop(curr, position, high, size, continues_from);
      high = std::min(high, curr->pfn_lo);
      candidate = (high - size) & align_mask;
      curr = nodes_.step_down(position);
    } while (curr && candidate <= curr->pfn_hi && candidate >= low);

    const bool underflow = variant_.underflow_guard && high < size;
    if (!underflow && candidate >= low) break;
    if (variant_.retry_pass && low == start_pfn_ && retry_pfn < limit) {
      if (retried) {
        hung_ = true;
        return std::nullopt;
      }
      retried = true;
      last_exit_ = SearchExit::RetryPass;
      high = limit;
      low = variant_.retry_pfn_is_hi_plus_one ? retry_pfn : retry_pfn + 1;
      continues_from = lowest_high_keeping_candidate(low, size, align_mask);
      position = nodes_.lowest_ending_at_or_after(limit);
      curr = position;
      continue;
    }
    max32_.failed(size, align_mask, limit, /*searched_whole_window=*/retried || retry_pfn >= limit);
    return std::nullopt;
  }

  IovaNode* added = nodes_.create(Node{candidate, candidate + size - 1});
  if (added->pfn_hi < dma32_pfn_)
    cached32_node_ = added;
  else
    cached_node_ = added;
  return candidate;
}

// p1: every gap from the top down to start_pfn; the smallest whole gap whose highest aligned
// position below the limit fits, the higher on ties. Neither the hints nor max32 take part.
std::optional<Pfn> CachedTree::best_fit(Pfn size, Pfn limit_pfn, bool size_aligned) {
  last_exit_ = SearchExit::WholeSearch;
  const Pfn limit = limit_pfn + 1;
  const Pfn align_mask = size_aligned ? size_align_mask(size) : ~Pfn{0};
  std::optional<Pfn> best;
  Pfn best_length = 0;
  const IovaNode* upper = nodes_.anchor();
  auto position = nodes_.position(upper);
  while (upper) {
    const IovaNode* lower = nodes_.step_down(position);
    // The gap is [bottom, top): between lower and upper, clipped to start at start_pfn.
    const Pfn top = upper->pfn_lo;
    const Pfn bottom = !lower                   ? start_pfn_
                       : lower->pfn_hi >= top ? top
                                              : std::max(lower->pfn_hi + 1, start_pfn_);
    if (bottom < top) {
      const Pfn high = std::min(limit, top);
      const Pfn candidate = (high - size) & align_mask;
      const Pfn length = top - bottom;
      if (high >= size && candidate >= bottom && (!best || length < best_length)) {
        best = candidate;
        best_length = length;
        if (length == size) break;
      }
    }
    if (!lower || lower->pfn_hi < start_pfn_) break;
    upper = lower;
  }
  if (best) nodes_.create(Node{*best, *best + size - 1});
  return best;
}

// Removal steps 1-3, before the node leaves the tree.
void CachedTree::update_hints_for_removal(const IovaNode* free) {
  IovaNode* const next = nodes_.successor(free);
  const IovaNode* cached32 = cached32_node_;
  const bool moves_cached32 = (variant_.delete_checks_free_is_cached32 && free == cached32) ||
                              (free->pfn_hi < dma32_pfn_ && free->pfn_lo >= cached32->pfn_lo);
  if (moves_cached32) cached32_node_ = next;
  // z1 (the pre-5.18 code) resets on any move of cached32_node, with no pfn_lo < dma32 test.
  const bool resets_max32 =
      variant_.max32_reset_needs_cached32_move ? moves_cached32 : free->pfn_lo < dma32_pfn_;
  if (resets_max32) max32_.reset();
  if (free->pfn_lo >= cached_node_->pfn_lo) cached_node_ = next;
}

std::optional<std::string> CachedTree::validate() const {
  if (hung_) return "alloc_iova's retry pass would repeat forever here: the kernel hangs";
  if (auto problem = nodes_.link_problem()) return problem;
  const IovaNode* previous = nullptr;
  for (const IovaNode* node = nodes_.lowest(); node; node = node->next) {
    if (node->pfn_lo > node->pfn_hi) return "node " + range_text(node->pfn_lo, node->pfn_hi) + " has pfn_lo > pfn_hi";
    if (previous && previous->pfn_lo >= node->pfn_lo)
      return "nodes out of order: " + range_text(previous->pfn_lo, previous->pfn_hi) + " before " +
             range_text(node->pfn_lo, node->pfn_hi);
    if (previous && previous->pfn_hi >= node->pfn_lo)
      return "nodes overlap: " + range_text(previous->pfn_lo, previous->pfn_hi) + " and " +
             range_text(node->pfn_lo, node->pfn_hi);
    previous = node;
  }
  const IovaNode* anchor = nodes_.anchor();
  if (!nodes_.is_linked(anchor)) return "the anchor is not in the tree";
  if (anchor->next) return "the anchor is not the highest node";
  if (anchor->pfn_hi != kAnchorPfn) return "the anchor ends at " + hex(anchor->pfn_hi) + ", not 2^64-1";
  if (anchor->pfn_lo != kAnchorPfn) return "the anchor starts at " + hex(anchor->pfn_lo) + ", not 2^64-1: a reserve grew it";
  if (!nodes_.unlinked().empty()) {
    const IovaNode* refused = nodes_.unlinked().front().get();
    return "node " + range_text(refused->pfn_lo, refused->pfn_hi) +
           " was handed out but never linked: its pfn_lo is taken";
  }
  if (!nodes_.is_linked(cached_node_)) return "cached_node refers to " + hint_text(cached_node_);
  if (!nodes_.is_linked(cached32_node_)) return "cached32_node refers to " + hint_text(cached32_node_);
  return nodes_.index_problem();
}

// Never dereferences a hint that is not a live node: under z4 it may have been freed.
std::string CachedTree::hint_text(const IovaNode* hint) const {
  if (hint == nodes_.anchor()) return "anchor";
  if (nodes_.is_linked(hint)) return hex(hint->pfn_lo);
  if (nodes_.is_unlinked(hint)) return "the unlinked node " + range_text(hint->pfn_lo, hint->pfn_hi);
  return "a freed node";
}

HintRef CachedTree::hint_ref(const IovaNode* hint) const {
  if (hint == nodes_.anchor()) return HintRef{HintRef::Kind::Anchor, hint->pfn_lo, hint->pfn_hi};
  if (nodes_.is_linked(hint)) return HintRef{HintRef::Kind::Node, hint->pfn_lo, hint->pfn_hi};
  // Under z4 the hint may be a freed node; its memory is kept (outside ASan) but not its meaning.
  return HintRef{HintRef::Kind::Freed, 0, 0};
}

void CachedTree::load(const TreeSnapshot& snapshot) {
  std::vector<Node> sorted = snapshot.nodes;
  const Node anchor{kAnchorPfn, kAnchorPfn};
  if (std::ranges::find(sorted, anchor) == sorted.end()) sorted.push_back(anchor);
  std::ranges::sort(sorted, {}, &Node::pfn_lo);
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].pfn_lo > sorted[i].pfn_hi)
      throw std::invalid_argument("snapshot node " + range_text(sorted[i]) + " has pfn_lo > pfn_hi");
    if (i > 0 && sorted[i - 1].pfn_hi >= sorted[i].pfn_lo)
      throw std::invalid_argument("snapshot nodes " + range_text(sorted[i - 1]) + " and " +
                                  range_text(sorted[i]) + " overlap");
  }
  for (const Node& node : sorted)
    if (node != anchor) nodes_.create(node);

  auto node_named = [this](const std::optional<Pfn>& pfn_lo, const char* hint) {
    if (!pfn_lo) return nodes_.anchor();
    IovaNode* node = nodes_.containing(*pfn_lo);
    if (!node || node->pfn_lo != *pfn_lo)
      throw std::invalid_argument(std::string("snapshot ") + hint + " names no node: no node starts at " + hex(*pfn_lo));
    return node;
  };
  cached32_node_ = node_named(snapshot.cached32_lo, "cached32");
  cached_node_ = node_named(snapshot.cached_lo, "cached");
  if (snapshot.max32_alloc_size) max32_.load(*snapshot.max32_alloc_size);
}

}  // namespace

std::unique_ptr<TreeAllocator> make_cached_tree(const Config& config, const Variant& variant,
                                                const TreeSnapshot* snapshot, FirstFitWalk walk) {
  if (!variant.has_cached_nodes())
    throw std::invalid_argument("variant " + std::string(variant.name) + " does not use the cached tree");
  return std::make_unique<CachedTree>(config, variant, snapshot, walk);
}

}  // namespace iovacheck::impl
