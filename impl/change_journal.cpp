#include "impl/change_journal.h"

namespace iovacheck::impl {

DomainChanges ChangeJournal::take() {
  DomainChanges changes;
  changes.complete = complete_;
  for (const auto& [range, count] : nodes_) {
    const Node node{range.first, range.second};
    for (int i = 0; i < count; ++i) changes.nodes_new.push_back(node);
    for (int i = 0; i > count; --i) changes.nodes_gone.push_back(node);
  }
  for (const auto& [key, count] : cached_) {
    const auto [pfn, bin, cpu] = key;
    const CachedEntry entry{pfn, bin, cpu};
    for (int i = 0; i < count; ++i) changes.cached_new.push_back(entry);
    for (int i = 0; i > count; --i) changes.cached_gone.push_back(entry);
  }
  nodes_.clear();
  cached_.clear();
  complete_ = true;
  return changes;
}

}  // namespace iovacheck::impl
