#pragma once
// What the domain changed since it was last asked: every node and cache entry that appeared or
// went, netted to the set difference between the two states. It lets a checker look at only what
// an operation touched; it records, it never decides anything.
#include <vector>

#include "impl/domain.h"

namespace iovacheck::impl {

class ChangeJournal {
 public:
  void node_added(const Node& node) { record(nodes_, NodeChange{node, +1}); }
  void node_removed(const Node& node) { record(nodes_, NodeChange{node, -1}); }
  void cached_added(Pfn pfn, unsigned bin, unsigned cpu) { record(cached_, CachedChange{{pfn, bin, cpu}, +1}); }
  void cached_removed(Pfn pfn, unsigned bin, unsigned cpu) { record(cached_, CachedChange{{pfn, bin, cpu}, -1}); }
  void lose_track() {
    start_record_if_taken();
    complete_ = false;
  }

  // The net changes since the last take(), netted in the journal's own lists: they stay valid
  // until the next change is recorded, which starts a new record.
  DomainChanges take();

 private:
  template <class Change>
  void record(std::vector<Change>& changes, const Change& change) {
    start_record_if_taken();
    changes.push_back(change);
  }
  // Inline: a flush records every entry it drains.
  void start_record_if_taken() {
    if (taken_) start_record();
  }
  void start_record();

  // The changes in the order they happened (each count +1 or -1), netted by take().
  std::vector<NodeChange> nodes_;
  std::vector<CachedChange> cached_;
  bool complete_ = true;
  bool taken_ = false;  // the lists hold the last take()'s result
};

}  // namespace iovacheck::impl
