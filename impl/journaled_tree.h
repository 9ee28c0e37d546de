#pragma once
// The domain's tree as its change journal sees it: every call goes to the tree, and every node
// the tree gains or loses is recorded.
#include <memory>
#include <optional>
#include <string>

#include "impl/change_journal.h"
#include "impl/domain_types.h"
#include "impl/tree_allocator.h"

namespace iovacheck::impl {

// A reserve may lower nodes' pfn_lo in place, which only the tree sees: it is recorded as a loss
// of track, so the checker observes everything then.
class JournaledTree final : public TreeAllocator {
 public:
  JournaledTree(std::unique_ptr<TreeAllocator> tree, ChangeJournal& journal) : tree_(std::move(tree)), journal_(journal) {}

  std::optional<Pfn> alloc(Pfn size, Pfn limit_pfn, bool size_aligned) override;
  bool remove(Pfn pfn) override;
  std::optional<Node> find(Pfn pfn) const override { return tree_->find(pfn); }
  ReserveResult reserve(Pfn pfn_lo, Pfn pfn_hi) override {
    journal_.lose_track();
    return tree_->reserve(pfn_lo, pfn_hi);
  }
  void for_each_node(const NodeVisitor& visit) const override { tree_->for_each_node(visit); }
  std::size_t node_count() const override { return tree_->node_count(); }
  std::optional<std::string> validate() const override { return tree_->validate(); }
  std::string describe() const override { return tree_->describe(); }
  TreeHints hints() const override { return tree_->hints(); }
  SearchExit last_exit() const override { return tree_->last_exit(); }

 private:
  std::unique_ptr<TreeAllocator> tree_;
  ChangeJournal& journal_;
};

}  // namespace iovacheck::impl
