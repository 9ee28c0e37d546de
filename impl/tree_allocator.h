#pragma once
// The tree half of a domain: placement, removal, find and reserve over the ordered node set.
// Mainline, z1-z5 and p1 share one tree (cached_tree.h); p2/p3 use the augmented gap tree
// (gap_tree.h). The range caches (rcache.h) sit on top and talk to the tree only through this.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "impl/domain.h"

namespace iovacheck::impl {

inline constexpr Pfn kAnchorPfn = ~Pfn{0};

class TreeAllocator {
 public:
  virtual ~TreeAllocator() = default;
  // The tree part of alloc_iova; size >= 1 (the domain rejects 0 before calling).
  virtual std::optional<Pfn> alloc(Pfn size, Pfn limit_pfn, bool size_aligned) = 0;
  // Removes the node holding pfn, running the removal rules; false when no node holds it.
  // The anchor is never removed (false).
  virtual bool remove(Pfn pfn) = 0;
  virtual std::optional<Node> find(Pfn pfn) const = 0;
  virtual ReserveResult reserve(Pfn pfn_lo, Pfn pfn_hi) = 0;
  // Calls visit for every node, ascending, the anchor included (last).
  virtual void for_each_node(const NodeVisitor& visit) const = 0;
  std::vector<Node> nodes() const;            // the same nodes, in a list
  virtual std::size_t node_count() const = 0;  // nodes().size(), in O(1)
  virtual std::optional<std::string> validate() const = 0;
  virtual std::string describe() const = 0;
  virtual TreeHints hints() const = 0;
  virtual SearchExit last_exit() const = 0;  // where the last alloc() ended
};

// The tree the variant's Search asks for, optionally built from a snapshot.
// Throws std::invalid_argument when the snapshot cannot be held (overlap, unknown cached ref).
std::unique_ptr<TreeAllocator> make_tree_allocator(const Config& config, const Variant& variant,
                                                   const TreeSnapshot* snapshot);

}  // namespace iovacheck::impl
