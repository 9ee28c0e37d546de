#pragma once
// The cached tree's node storage: the nodes in pfn_lo order, the anchor always among them.
// Nodes are linked to their neighbours, so the first-fit walk steps to a predecessor by one
// pointer (the walk is most of an allocation's cost) and an index keyed by pfn_lo answers the
// lookups (find, free, the retry pass's start) in O(log n). Each node lives in its index entry,
// one heap allocation, and the hints elsewhere are raw pointers, as in the kernel, so a hint a
// removal leaves behind (z4) really dangles and a sanitizer build reports its use.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "impl/domain.h"

namespace iovacheck::impl {

struct IovaNode {
  Pfn pfn_lo = 0;
  Pfn pfn_hi = 0;
  IovaNode* prev = nullptr;  // the linked neighbours in pfn order; nullptr past either end
  IovaNode* next = nullptr;
  bool linked = false;       // false once destroyed (the memory z4 keeps) and for refused nodes
};

class NodeSet {
  // pfn_lo -> the node; the key is the index's copy of the node's pfn_lo (lower_lo moves both).
  using Index = std::map<Pfn, IovaNode>;

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

  // reserve_range's Tree concept (impl/reserve.hpp).
  Handle lowest_ending_at_or_after(Pfn pfn) const;
  Handle next(Handle handle) const { return handle->next; }
  bool is_end(Handle handle) const { return handle == nullptr; }
  Node node(Handle handle) const { return Node{handle->pfn_lo, handle->pfn_hi}; }
  // Lowering pfn_lo in place keeps the order: reserve only lowers it to above the predecessor.
  void lower_lo(Handle handle, Pfn new_lo);
  Handle insert(Node node) { return position(create(node)); }

  // Whether the links and the index agree: the same nodes, in the same ascending order, each
  // under its own pfn_lo. The tree's validate() checks the order itself.
  std::optional<std::string> link_problem() const;

 private:
  // Lookups are const, but the nodes they find are handed out as the tree's mutable hints (the
  // set's const is about its order, not about its nodes' contents), as std::set<IovaNode*> did.
  static IovaNode* handed_out(const IovaNode& node) { return const_cast<IovaNode*>(&node); }  // NOLINT

  Index index_;
  std::vector<std::unique_ptr<IovaNode>> unlinked_;
  std::vector<Index::node_type> freed_;  // kept only with keep_freed_nodes
  bool keep_freed_nodes_;
  IovaNode* lowest_ = nullptr;
  IovaNode* highest_ = nullptr;
  // Recently created or found nodes by the pfn_lo they start at, one per slot: the pfns looked
  // up are nearly always a node's start (an allocation's result, a free, a cached pfn handed out
  // again soon after it was freed), and an index lookup is a dozen cache misses in a tree of
  // thousands. The start is kept beside the node, so a slot another node took costs no miss; a
  // node leaves its slot when it is destroyed or moved, so every node here is linked. The table
  // has four slots a node, up to kRecentSlots, made once the set passes kRecentFrom nodes (a
  // lookup below that is a few hops in cache) and remade as it grows: a fixed 16 KB table zeroed
  // for every fresh domain was most of a fuzz execution's new memory (docs/fuzz.md "Throughput").
  struct Recent {
    Pfn pfn_lo = 0;
    IovaNode* node = nullptr;
  };
  static constexpr std::size_t kRecentSlots = 1024;
  static constexpr std::size_t kRecentFrom = 8;
  std::size_t recent_slot(Pfn pfn_lo) const { return (pfn_lo * 0x9e3779b97f4a7c15ull) >> recent_shift_; }
  const Recent* recent_at(Pfn pfn_lo) const { return recent_.empty() ? nullptr : &recent_[recent_slot(pfn_lo)]; }
  void remember(IovaNode* node) const {
    if (!recent_.empty()) recent_[recent_slot(node->pfn_lo)] = Recent{node->pfn_lo, node};
  }
  void forget(const IovaNode* node) {
    if (recent_.empty()) return;
    if (Recent& recent = recent_[recent_slot(node->pfn_lo)]; recent.node == node) recent = Recent{};
  }
  void fit_recent();  // the table for the set's size now (emptied when remade)
  mutable std::vector<Recent> recent_;  // empty, or a power of two up to kRecentSlots
  unsigned recent_shift_ = 64;          // 64 - log2(recent_.size())
  IovaNode* anchor_;  // after the containers: create() fills them
};

}  // namespace iovacheck::impl
