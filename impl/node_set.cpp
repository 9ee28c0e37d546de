#include "impl/node_set.h"

#include <algorithm>

#include "impl/pfn_text.h"
#include "impl/tree_allocator.h"

namespace iovacheck::impl {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

}  // namespace

NodeSet::NodeSet(bool keep_freed_nodes) : keep_freed_nodes_(keep_freed_nodes && !kAddressSanitizer) {
  index_.reserve(gap_tree_detail::kTypicalTreeNodes);
  by_entry_.reserve(gap_tree_detail::kTypicalTreeNodes);
  anchor_ = create(Node{kAnchorPfn, kAnchorPfn});
}

IovaNode* NodeSet::create(Node node) {
  if (starts_.find(node.pfn_lo)) {
    unlinked_.push_back(std::make_unique<IovaNode>(IovaNode{node.pfn_lo, node.pfn_hi}));
    return unlinked_.back().get();
  }
  Index::Handle below = Index::kEnd;
  const Index::Handle entry = index_.insert(node, &below);
  if (entry >= by_entry_.size()) by_entry_.resize(entry + 1);
  by_entry_[entry] = std::make_unique<IovaNode>(IovaNode{node.pfn_lo, node.pfn_hi});
  IovaNode* const made = by_entry_[entry].get();
  made->linked = true;
  made->entry = entry;
  made->prev = at(below);
  made->next = made->prev ? made->prev->next : lowest_;
  if (made->next)
    made->next->prev = made;
  else
    highest_ = made;
  if (made->prev)
    made->prev->next = made;
  else
    lowest_ = made;
  starts_.insert(made->pfn_lo, made);
  return made;
}

void NodeSet::destroy(IovaNode* node) {
  if (node->prev)
    node->prev->next = node->next;
  else
    lowest_ = node->next;
  if (node->next)
    node->next->prev = node->prev;
  else
    highest_ = node->prev;
  node->linked = false;
  starts_.erase(node->pfn_lo);
  index_.erase(node->entry);
  std::unique_ptr<IovaNode> freed = std::move(by_entry_[node->entry]);
  if (keep_freed_nodes_) freed_.push_back(std::move(freed));
}

IovaNode* NodeSet::containing(Pfn pfn) const {
  // A linked node starting at pfn is what the index gives (the highest pfn_lo <= pfn).
  if (IovaNode* const starting = starts_.find(pfn)) return starting;
  return at(index_.containing(pfn));
}

bool NodeSet::is_linked(const IovaNode* node) const {
  return node && std::ranges::any_of(by_entry_, [node](const auto& owned) { return owned.get() == node; });
}

bool NodeSet::is_unlinked(const IovaNode* node) const {
  return std::ranges::any_of(unlinked_, [node](const auto& owned) { return owned.get() == node; });
}

NodeSet::Handle NodeSet::position(const IovaNode* node) const {
  if (node->linked) return at(node->entry);
  return at(index_.ceiling(node->pfn_lo));
}

IovaNode* NodeSet::first_possible_stop(IovaNode* from, Pfn size, Pfn continues_from) const {
  if (from->pfn_lo < continues_from) return from;
  const Index::Handle fitting = index_.highest_gap_at_or_below(from->pfn_lo, size);
  if (fitting != Index::kEnd && index_.node(fitting).pfn_lo >= continues_from) return at(fitting);
  // Every node from `from` down to continues_from has a gap too short below it: the walk goes
  // on to the highest node starting below continues_from, or to the lowest.
  IovaNode* const below = continues_from == 0 ? nullptr : at(index_.floor(continues_from - 1));
  return below ? below : lowest_;
}

NodeSet::Handle NodeSet::lowest_ending_at_or_after(Pfn pfn) const {
  // The node holding pfn, else the first above it: nodes are ordered by pfn_lo, not checked disjoint.
  const Index::Handle below = index_.floor(pfn);
  if (below == Index::kEnd) return lowest_;
  IovaNode* const node = at(below);
  return node->pfn_hi >= pfn ? node : node->next;
}

void NodeSet::lower_lo(Handle handle, Pfn new_lo) {
  starts_.erase(handle->pfn_lo);
  index_.lower_lo(handle->entry, new_lo);
  handle->pfn_lo = new_lo;  // the same node, so every pointer to it and its links stay
  starts_.insert(new_lo, handle);
}

std::optional<std::string> NodeSet::link_problem() const {
  const IovaNode* linked = lowest_;
  const IovaNode* previous = nullptr;
  std::optional<std::string> problem;
  index_.for_each([&](Index::Handle entry) {
    if (problem) return;
    const IovaNode& node = *at(entry);
    const Node indexed = index_.node(entry);
    if (linked != &node) {
      problem = "the node links skip or reorder node " + range_text(node.pfn_lo, node.pfn_hi);
    } else if (node.prev != previous) {
      problem = "node " + range_text(node.pfn_lo, node.pfn_hi) + " links back to the wrong node";
    } else if (indexed.pfn_lo != node.pfn_lo || indexed.pfn_hi != node.pfn_hi || node.entry != entry) {
      problem = "node " + range_text(node.pfn_lo, node.pfn_hi) + " is indexed as " + range_text(indexed);
    } else if (starts_.find(node.pfn_lo) != &node) {
      problem = "node " + range_text(node.pfn_lo, node.pfn_hi) + " is not found by its start";
    }
    previous = linked;
    linked = linked ? linked->next : nullptr;
  });
  if (problem) return problem;
  if (linked) return "the node links go past the highest node to " + range_text(linked->pfn_lo, linked->pfn_hi);
  if (highest_ != previous) return "the highest node is not the last one linked";
  if (starts_.size() != index_.size()) return "the table of node starts holds a node no longer linked";
  return std::nullopt;
}

}  // namespace iovacheck::impl
