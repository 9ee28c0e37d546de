#pragma once
// What the domain changed since it was last asked: every node and cache entry that appeared or
// went, netted to the set difference between the two states. It lets a checker look at only what
// an operation touched; it records, it never decides anything.
#include <tuple>
#include <utility>
#include <vector>

#include "impl/domain.h"

namespace iovacheck::impl {

class ChangeJournal {
 public:
  void node_added(const Node& node) { nodes_.push_back({{node.pfn_lo, node.pfn_hi}, +1}); }
  void node_removed(const Node& node) { nodes_.push_back({{node.pfn_lo, node.pfn_hi}, -1}); }
  void cached_added(Pfn pfn, unsigned bin, unsigned cpu) { cached_.push_back({{pfn, bin, cpu}, +1}); }
  void cached_removed(Pfn pfn, unsigned bin, unsigned cpu) { cached_.push_back({{pfn, bin, cpu}, -1}); }
  void lose_track() { complete_ = false; }

  // The net changes since the last take(), written over `into` (its lists' storage reused);
  // starts a new record.
  void take(DomainChanges& into);

 private:
  // Events in the order they happened, netted by take(): +1 added, -1 removed.
  std::vector<std::pair<std::pair<Pfn, Pfn>, int>> nodes_;                   // (lo, hi)
  std::vector<std::pair<std::tuple<Pfn, unsigned, unsigned>, int>> cached_;  // (pfn, bin, cpu)
  bool complete_ = true;
};

}  // namespace iovacheck::impl
