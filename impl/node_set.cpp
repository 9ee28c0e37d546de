#include "impl/node_set.h"

#include <algorithm>
#include <bit>
#include <iterator>

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

NodeSet::NodeSet(bool keep_freed_nodes)
    : keep_freed_nodes_(keep_freed_nodes && !kAddressSanitizer), anchor_(create(Node{kAnchorPfn, kAnchorPfn})) {}

IovaNode* NodeSet::create(Node node) {
  const auto [entry, inserted] = index_.try_emplace(node.pfn_lo, IovaNode{node.pfn_lo, node.pfn_hi});
  if (!inserted) {
    unlinked_.push_back(std::make_unique<IovaNode>(IovaNode{node.pfn_lo, node.pfn_hi}));
    return unlinked_.back().get();
  }
  IovaNode* const made = &entry->second;
  made->linked = true;
  made->next = std::next(entry) == index_.end() ? nullptr : &std::next(entry)->second;
  made->prev = entry == index_.begin() ? nullptr : &std::prev(entry)->second;
  if (made->next)
    made->next->prev = made;
  else
    highest_ = made;
  if (made->prev)
    made->prev->next = made;
  else
    lowest_ = made;
  fit_recent();
  remember(made);
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
  forget(node);
  auto freed = index_.extract(node->pfn_lo);
  if (keep_freed_nodes_) freed_.push_back(std::move(freed));
}

void NodeSet::fit_recent() {
  if (index_.size() <= kRecentFrom) return;
  const std::size_t wanted = std::min(kRecentSlots, std::bit_ceil(4 * index_.size()));
  if (recent_.size() >= wanted) return;
  recent_.assign(wanted, Recent{});
  recent_shift_ = 64 - static_cast<unsigned>(std::countr_zero(wanted));
}

IovaNode* NodeSet::containing(Pfn pfn) const {
  // A linked node starting at pfn is what the index gives (the highest pfn_lo <= pfn).
  if (const Recent* recent = recent_at(pfn); recent && recent->node && recent->pfn_lo == pfn) return recent->node;
  auto above = index_.upper_bound(pfn);
  if (above == index_.begin()) return nullptr;
  IovaNode* candidate = handed_out(std::prev(above)->second);
  if (pfn > candidate->pfn_hi) return nullptr;
  remember(candidate);
  return candidate;
}

bool NodeSet::is_linked(const IovaNode* node) const {
  return std::ranges::any_of(index_, [node](const auto& entry) { return &entry.second == node; });
}

bool NodeSet::is_unlinked(const IovaNode* node) const {
  return std::ranges::any_of(unlinked_, [node](const auto& owned) { return owned.get() == node; });
}

NodeSet::Handle NodeSet::position(const IovaNode* node) const {
  if (node->linked) return handed_out(*node);
  auto at = index_.lower_bound(node->pfn_lo);
  return at == index_.end() ? nullptr : handed_out(at->second);
}

NodeSet::Handle NodeSet::lowest_ending_at_or_after(Pfn pfn) const {
  auto above = index_.upper_bound(pfn);
  if (above != index_.begin() && std::prev(above)->second.pfn_hi >= pfn) --above;
  return above == index_.end() ? nullptr : handed_out(above->second);
}

void NodeSet::lower_lo(Handle handle, Pfn new_lo) {
  forget(handle);
  auto entry = index_.extract(handle->pfn_lo);
  entry.key() = new_lo;
  entry.mapped().pfn_lo = new_lo;
  index_.insert(std::move(entry));  // the same node, so every pointer to it and its links stay
}

std::optional<std::string> NodeSet::link_problem() const {
  const IovaNode* linked = lowest_;
  const IovaNode* previous = nullptr;
  for (const auto& [lo, node] : index_) {
    if (linked != &node) return "the node links skip or reorder node " + range_text(node.pfn_lo, node.pfn_hi);
    if (node.prev != previous) return "node " + range_text(node.pfn_lo, node.pfn_hi) + " links back to the wrong node";
    if (lo != node.pfn_lo) return "node " + range_text(node.pfn_lo, node.pfn_hi) + " is indexed under " + hex(lo);
    previous = linked;
    linked = linked->next;
  }
  if (linked) return "the node links go past the highest node to " + range_text(linked->pfn_lo, linked->pfn_hi);
  if (highest_ != previous) return "the highest node is not the last one linked";
  return std::nullopt;
}

}  // namespace iovacheck::impl
