#pragma once
// What the domain changed since it was last asked: every node and cache entry that appeared or
// went, netted to the set difference between the two states. It lets a checker look at only what
// an operation touched; it records, it never decides anything.
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "impl/domain.h"

namespace iovacheck::impl {

class ChangeJournal {
 public:
  void node_added(const Node& node) { ++nodes_[{node.pfn_lo, node.pfn_hi}]; }
  void node_removed(const Node& node) { --nodes_[{node.pfn_lo, node.pfn_hi}]; }
  void cached_added(Pfn pfn, unsigned bin, unsigned cpu) { ++cached_[{pfn, bin, cpu}]; }
  void cached_removed(Pfn pfn, unsigned bin, unsigned cpu) { --cached_[{pfn, bin, cpu}]; }
  void lose_track() { complete_ = false; }

  // The net changes since the last take(); starts a new record.
  DomainChanges take();

 private:
  std::map<std::pair<Pfn, Pfn>, int> nodes_;                   // (lo, hi) -> times added minus removed
  std::map<std::tuple<Pfn, unsigned, unsigned>, int> cached_;  // (pfn, bin, cpu) -> the same
  bool complete_ = true;
};

}  // namespace iovacheck::impl
