#pragma once
// The cached tree's node storage: the nodes in pfn_lo order, the anchor always among them.
// Nodes are linked to their neighbours, so the first-fit walk steps to a predecessor by one
// pointer; an index keyed by pfn_lo (the gap-augmented AVL tree of gap_tree_avl.h) answers the
// ordered lookups (a pfn inside a node, the retry pass's start) in O(log n) and lets the walk
// pass, in O(log n), every node where it cannot stop (first_possible_stop); a hash table of node
// starts (node_starts.h) answers the usual lookup, a node's own start, in O(1). Each node is its
// own heap allocation and the hints elsewhere are raw pointers, as in the kernel, so a hint a
// removal leaves behind (z4) really dangles and a sanitizer build reports its use.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "impl/domain_types.h"
#include "impl/gap_tree_avl.h"
#include "impl/node_starts.h"

namespace iovacheck::impl {

struct IovaNode {
  Pfn pfn_lo = 0;
  Pfn pfn_hi = 0;
  IovaNode* prev = nullptr;  // the linked neighbours in pfn order; nullptr past either end
  IovaNode* next = nullptr;
  bool linked = false;       // false once destroyed (the memory z4 keeps) and for refused nodes
  std::uint32_t entry = 0;   // its index entry while linked
};

class NodeSet {
  // The index's entries copy each node's pfn_lo and pfn_hi (lower_lo moves both copies).
  using Index = gap_tree_detail::GapAvl;

 public:
  // A place in the order: the node there, or nullptr past the highest.
  using Handle = IovaNode*;

  // Holds the anchor only. With keep_freed_nodes, destroy() unlinks a node but keeps its memory
  // until the set dies, so a stale hint (z4) reads the freed node's last values, as the kernel
  // reads a freed iova, instead of memory the allocator reused. Sanitizer builds always free for
  // real, so ASan reports the use.
  explicit NodeSet(bool keep_freed_nodes = false);
  NodeSet(const NodeSet&) = delete;
  NodeSet& operator=(const NodeSet&) = delete;

  bool keeps_freed_nodes() const { return keep_freed_nodes_; }
  IovaNode* anchor() const { return anchor_; }
  IovaNode* lowest() const { return lowest_; }  // the ends of the linked order
  IovaNode* highest() const { return highest_; }
  std::size_t size() const { return index_.size(); }
  // Nodes the tree refused because their pfn_lo was taken (only a corrupt search makes one):
  // like the kernel's, they stay allocated for the caller that received them.
  const std::vector<std::unique_ptr<IovaNode>>& unlinked() const { return unlinked_; }

  // A new node, linked unless its pfn_lo is taken.
  IovaNode* create(Node node);
  // Unlinks and deletes a linked node.
  void destroy(IovaNode* node);

  IovaNode* containing(Pfn pfn) const;
  IovaNode* successor(const IovaNode* node) const { return node->next; }  // node is linked and not the last
  // Compares pointer values only, so it is safe on a dangling pointer.
  bool is_linked(const IovaNode* node) const;
  bool is_unlinked(const IovaNode* node) const;

  // Downward walks. position() reads node's fields: for a linked node it is the node itself, for
  // a destroyed one (a stale hint) the first linked node at or above the pfn_lo it had.
  Handle position(const IovaNode* node) const;
  // Moves to the predecessor and returns it; nullptr (position unchanged) below the lowest.
  IovaNode* step_down(Handle& position) const {
    IovaNode* const below = position ? position->prev : highest_;
    if (below) position = below;
    return below;
  }
  // The highest node at or below `from` (linked) where a first-fit walk for `size` pfns may stop:
  // the lowest node, a node with at least `size` free pfns below it, or one starting below
  // `continues_from` (below which the walk's candidate underflows or falls under its low end).
  // A walk that keeps its high end at the node it is on passes every node above this one, so
  // it may start from here (cached_tree.cpp, first_fit).
  IovaNode* first_possible_stop(IovaNode* from, Pfn size, Pfn continues_from) const;

  // reserve_range's Tree concept (impl/reserve.hpp).
  Handle lowest_ending_at_or_after(Pfn pfn) const;
  Handle next(Handle handle) const { return handle->next; }
  bool is_end(Handle handle) const { return handle == nullptr; }
  Node node(Handle handle) const { return Node{handle->pfn_lo, handle->pfn_hi}; }
  // Lowering pfn_lo in place keeps the order: reserve only lowers it to above the predecessor.
  void lower_lo(Handle handle, Pfn new_lo);
  Handle insert(Node node) { return position(create(node)); }

  // Whether the links and the index agree: the same nodes, in the same ascending order, each
  // under its own range. The tree's validate() checks the order itself.
  std::optional<std::string> link_problem() const;
  // Whether the index's own structure (balance, stored gaps) holds; meaningful once the nodes
  // are known to be ordered and disjoint.
  std::optional<std::string> index_problem() const { return index_.check(); }

 private:
  // Lookups are const, but the nodes they find are handed out as the tree's mutable hints: the
  // set's const is about its order, not about its nodes' contents.
  IovaNode* at(Index::Handle entry) const { return entry == Index::kEnd ? nullptr : by_entry_[entry].get(); }

  Index index_;
  std::vector<std::unique_ptr<IovaNode>> by_entry_;  // each linked node, owned, under its index entry
  std::vector<std::unique_ptr<IovaNode>> unlinked_;
  std::vector<std::unique_ptr<IovaNode>> freed_;  // kept only with keep_freed_nodes
  bool keep_freed_nodes_;
  IovaNode* lowest_ = nullptr;
  IovaNode* highest_ = nullptr;
  NodeStarts starts_;  // every linked node by its pfn_lo: containing()'s usual answer in O(1)
  IovaNode* anchor_ = nullptr;  // created by the constructor, once the containers have room
};

}  // namespace iovacheck::impl
