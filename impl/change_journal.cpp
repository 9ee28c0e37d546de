#include "impl/change_journal.h"

#include <algorithm>
#include <tuple>

namespace iovacheck::impl {
namespace {

auto key(const NodeChange& change) { return std::tuple(change.node.pfn_lo, change.node.pfn_hi); }
auto key(const CachedChange& change) { return std::tuple(change.entry.pfn, change.entry.bin, change.entry.cpu); }

// Sums the counts of each key, in place: afterwards `changes` holds one entry per key whose sum
// is not zero, in ascending key order. A sum does not depend on the order of its terms, so any
// sort will do (std::sort, which needs no scratch buffer, unlike stable_sort).
template <class Change>
void net(std::vector<Change>& changes) {
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return key(a) < key(b); });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < changes.size();) {
    Change total = changes[i];
    std::size_t j = i + 1;
    for (; j < changes.size() && key(changes[j]) == key(changes[i]); ++j) total.count += changes[j].count;
    if (total.count != 0) changes[kept++] = total;
    i = j;
  }
  changes.resize(kept);
}

}  // namespace

void ChangeJournal::start_record() {
  nodes_.clear();
  cached_.clear();
  complete_ = true;
  taken_ = false;
}

DomainChanges ChangeJournal::take() {
  start_record_if_taken();  // nothing changed since the last take()
  net(nodes_);
  net(cached_);
  taken_ = true;
  return DomainChanges{nodes_, cached_, complete_};
}

}  // namespace iovacheck::impl
