#include "impl/journaled_tree.h"

namespace iovacheck::impl {

// A sound allocation links one node starting at its pfn. A corrupt one may link nothing (the
// pfn_lo was taken: the node stays unlinked, as in the kernel) or a node find() cannot see (one
// that wraps): the first changes nothing observable, the second loses track.
std::optional<Pfn> JournaledTree::alloc(Pfn size, Pfn limit_pfn, bool size_aligned) {
  const std::size_t count_before = tree_->node_count();
  const std::optional<Pfn> pfn = tree_->alloc(size, limit_pfn, size_aligned);
  const std::size_t count_after = tree_->node_count();
  if (count_after == count_before) return pfn;
  const std::optional<Node> node = pfn ? tree_->find(*pfn) : std::nullopt;
  if (count_after == count_before + 1 && node && node->pfn_lo == *pfn) {
    journal_.node_added(*node);
  } else {
    journal_.lose_track();
  }
  return pfn;
}

bool JournaledTree::remove(Pfn pfn) {
  const std::optional<Node> node = tree_->find(pfn);
  const bool removed = tree_->remove(pfn);
  if (removed && node) journal_.node_removed(*node);
  return removed;
}

}  // namespace iovacheck::impl
