#pragma once
// The cached tree's node storage: the nodes in pfn_lo order, the anchor always among them.
// Each node is its own heap allocation and the hints elsewhere are raw pointers, as in the
// kernel, so a hint a removal leaves behind (z4) really dangles and a sanitizer build reports
// its use.
#include <memory>
#include <set>
#include <vector>

#include "impl/domain.h"

namespace iovacheck::impl {

struct IovaNode {
  Pfn pfn_lo = 0;
  Pfn pfn_hi = 0;
};

class NodeSet {
  struct ByLo {
    using is_transparent = void;
    bool operator()(const IovaNode* a, const IovaNode* b) const { return a->pfn_lo < b->pfn_lo; }
    bool operator()(const IovaNode* a, Pfn b) const { return a->pfn_lo < b; }
    bool operator()(Pfn a, const IovaNode* b) const { return a < b->pfn_lo; }
  };
  using Set = std::set<IovaNode*, ByLo>;

 public:
  using Handle = Set::const_iterator;

  // Holds the anchor only. With keep_freed_nodes, destroy() unlinks a node but keeps its memory
  // until the set dies, so a stale hint (z4) reads the freed node's last values, as the kernel
  // reads a freed iova, instead of memory the allocator reused. Sanitizer builds always free for
  // real, so ASan reports the use.
  explicit NodeSet(bool keep_freed_nodes = false);
  ~NodeSet();
  NodeSet(const NodeSet&) = delete;
  NodeSet& operator=(const NodeSet&) = delete;

  IovaNode* anchor() const { return anchor_; }
  const Set& linked() const { return set_; }
  // Nodes the tree refused because their pfn_lo was taken (only a corrupt search makes one):
  // like the kernel's, they stay allocated for the caller that received them.
  const std::vector<std::unique_ptr<IovaNode>>& unlinked() const { return unlinked_; }

  // A new node, linked unless its pfn_lo is taken.
  IovaNode* create(Node node);
  // Unlinks and deletes a linked node.
  void destroy(IovaNode* node);

  IovaNode* containing(Pfn pfn) const;
  IovaNode* successor(const IovaNode* node) const;  // node is linked and not the last
  // Compares pointer values only, so it is safe on a dangling pointer.
  bool is_linked(const IovaNode* node) const;
  bool is_unlinked(const IovaNode* node) const;

  // Downward walks. position() reads node's pfn_lo: for a linked node it is the node itself.
  Handle position(const IovaNode* node) const { return set_.lower_bound(node->pfn_lo); }
  // Moves to the predecessor and returns it; nullptr (position unchanged) below the lowest.
  IovaNode* step_down(Handle& position) const;

  // reserve_range's Tree concept (impl/reserve.hpp).
  Handle lowest_ending_at_or_after(Pfn pfn) const;
  Handle next(Handle handle) const { return std::next(handle); }
  bool is_end(Handle handle) const { return handle == set_.end(); }
  Node node(Handle handle) const { return Node{(*handle)->pfn_lo, (*handle)->pfn_hi}; }
  // Lowering pfn_lo in place keeps the order: reserve only lowers it to above the predecessor.
  void lower_lo(Handle handle, Pfn new_lo) { (*handle)->pfn_lo = new_lo; }
  Handle insert(Node node) { return position(create(node)); }

 private:
  Set set_;
  std::vector<std::unique_ptr<IovaNode>> unlinked_;
  std::vector<std::unique_ptr<IovaNode>> freed_;  // kept only with keep_freed_nodes
  bool keep_freed_nodes_;
  IovaNode* anchor_;  // after the containers: create() fills them
};

}  // namespace iovacheck::impl
