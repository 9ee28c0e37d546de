#pragma once
// What the domain changed since it was last asked: every node and cache entry that appeared or
// went, netted to the set difference between the two states. It lets a checker look at only what
// an operation touched; it records, it never decides anything.
#include <vector>

#include "impl/domain_types.h"

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
  // A list starts with room for the changes of a typical step (one allocation, not one per
  // doubling; a domain lives for a few dozen steps under ASan, where each allocation records a stack).
  template <class Change>
  void record(std::vector<Change>& changes, const Change& change) {
    start_record_if_taken();
    if (changes.capacity() == 0) changes.reserve(16);
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
