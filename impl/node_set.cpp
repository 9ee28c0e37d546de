#include "impl/node_set.h"

#include <algorithm>

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

NodeSet::~NodeSet() {
  for (IovaNode* node : set_) delete node;
}

IovaNode* NodeSet::create(Node node) {
  auto made = std::make_unique<IovaNode>(IovaNode{node.pfn_lo, node.pfn_hi});
  if (set_.insert(made.get()).second) return made.release();
  unlinked_.push_back(std::move(made));
  return unlinked_.back().get();
}

void NodeSet::destroy(IovaNode* node) {
  set_.erase(node);
  if (keep_freed_nodes_)
    freed_.emplace_back(node);
  else
    delete node;
}

IovaNode* NodeSet::containing(Pfn pfn) const {
  auto above = set_.upper_bound(pfn);
  if (above == set_.begin()) return nullptr;
  IovaNode* candidate = *std::prev(above);
  return pfn <= candidate->pfn_hi ? candidate : nullptr;
}

IovaNode* NodeSet::successor(const IovaNode* node) const {
  return *std::next(set_.find(node->pfn_lo));
}

bool NodeSet::is_linked(const IovaNode* node) const {
  return std::ranges::find(set_, node) != set_.end();
}

bool NodeSet::is_unlinked(const IovaNode* node) const {
  return std::ranges::any_of(unlinked_, [node](const auto& owned) { return owned.get() == node; });
}

IovaNode* NodeSet::step_down(Handle& position) const {
  if (position == set_.begin()) return nullptr;
  return *--position;
}

NodeSet::Handle NodeSet::lowest_ending_at_or_after(Pfn pfn) const {
  auto above = set_.upper_bound(pfn);
  if (above != set_.begin() && (*std::prev(above))->pfn_hi >= pfn) return std::prev(above);
  return above;
}

}  // namespace iovacheck::impl
