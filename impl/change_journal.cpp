#include "impl/change_journal.h"

#include <algorithm>

namespace iovacheck::impl {
namespace {

// Sums the events of each key; calls emit(key, net) for every key whose net is not zero, in
// ascending key order. A sum does not depend on the order of its terms, so any sort will do
// (std::sort, which needs no scratch buffer, unlike stable_sort).
template <typename Key, typename Emit>
void net(std::vector<std::pair<Key, int>>& events, Emit emit) {
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < events.size();) {
    int total = 0;
    std::size_t j = i;
    for (; j < events.size() && events[j].first == events[i].first; ++j) total += events[j].second;
    if (total != 0) emit(events[i].first, total);
    i = j;
  }
  events.clear();
}

}  // namespace

void ChangeJournal::take(DomainChanges& changes) {
  changes.nodes_gone.clear();
  changes.nodes_new.clear();
  changes.cached_gone.clear();
  changes.cached_new.clear();
  changes.complete = complete_;
  net(nodes_, [&](const std::pair<Pfn, Pfn>& range, int count) {
    const Node node{range.first, range.second};
    for (int i = 0; i < count; ++i) changes.nodes_new.push_back(node);
    for (int i = 0; i > count; --i) changes.nodes_gone.push_back(node);
  });
  net(cached_, [&](const std::tuple<Pfn, unsigned, unsigned>& key, int count) {
    const auto [pfn, bin, cpu] = key;
    const CachedEntry entry{pfn, bin, cpu};
    for (int i = 0; i < count; ++i) changes.cached_new.push_back(entry);
    for (int i = 0; i > count; --i) changes.cached_gone.push_back(entry);
  });
  complete_ = true;
}

}  // namespace iovacheck::impl
