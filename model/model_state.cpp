#include "model/model_state.h"

#include <algorithm>
#include <stdexcept>

namespace iovacheck {

ModelState::ModelState() { set(kMaxPfn, OwnedRange{Range{kMaxPfn, kMaxPfn}, Owner::reserved()}); }

const OwnedRange* ModelState::at(Pfn lo) const { return ranges_.at(lo); }

const OwnedRange* ModelState::holding(Pfn pfn) const { return ranges_.holding(pfn); }

// A cached range's magazine pfn lies inside it (the pfn the fast allocation returned), so the
// range holding the pfn is the only candidate: no index of magazine pfns is needed.
const OwnedRange* ModelState::cached(Pfn pfn) const {
  const OwnedRange* holder = holding(pfn);
  return holder && holder->owner.is_cached() && holder->owner.pfn == pfn ? holder : nullptr;
}

const std::set<Pfn>& ModelState::cached_in(unsigned bin, CacheSlot slot) const {
  static const std::set<Pfn> kNone;
  auto it = cached_by_slot_.find(BinSlot{bin, slot.cpu});
  return it == cached_by_slot_.end() ? kNone : it->second;
}

std::size_t ModelState::cached_count(unsigned bin, CacheSlot slot) const { return cached_in(bin, slot).size(); }

std::vector<CachedPfn> ModelState::cached_entries() const {
  std::vector<CachedPfn> entries;
  entries.reserve(cached_total_);
  for (const auto& [slot, starts] : cached_by_slot_) {
    for (Pfn lo : starts) {
      const Owner& owner = ranges_.at(lo)->owner;
      entries.push_back(CachedPfn{owner.pfn, owner.bin, owner.slot});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const CachedPfn& a, const CachedPfn& b) {
    return std::tie(a.pfn, a.bin, a.slot.cpu) < std::tie(b.pfn, b.bin, b.slot.cpu);
  });
  return entries;
}

void ModelState::set(Pfn lo, const std::optional<OwnedRange>& range) {
  const OwnedRange* current = ranges_.at(lo);
  if (current && range && current->range == range->range) {
    unindex_owner(*current);  // the same pages change hands: the free space stays as it is
    ranges_.set_owner(lo, range->owner);
    index_owner(*range);
    return;
  }
  if (current) {
    unindex_owner(*current);
    ranges_.erase(lo);
  }
  if (!range) return;
  if (range->range.lo != lo) throw std::logic_error("ModelState::set: range " + to_string(range->range) + " put at " + hex(lo));
  ranges_.insert(*range);
  index_owner(*range);
}

void ModelState::index_owner(const OwnedRange& owned) {
  if (!owned.owner.is_cached()) return;
  if (owned.range.lo > owned.owner.pfn || owned.owner.pfn > owned.range.hi)
    throw std::logic_error("ModelState: cached pfn " + hex(owned.owner.pfn) + " outside its range " + to_string(owned.range));
  ++cached_total_;
  cached_by_slot_[BinSlot{owned.owner.bin, owned.owner.slot.cpu}].insert(owned.range.lo);
}

void ModelState::unindex_owner(const OwnedRange& owned) {
  if (!owned.owner.is_cached()) return;
  --cached_total_;
  // An emptied slot keeps its (empty) set: slots fill and empty all the time.
  cached_by_slot_.find(BinSlot{owned.owner.bin, owned.owner.slot.cpu})->second.erase(owned.range.lo);
}

std::size_t ModelState::bytes() const {
  constexpr std::size_t kTreeNodeOverhead = 32;  // libstdc++'s red-black node header
  const std::size_t cached = cached_total_ * (sizeof(Pfn) + kTreeNodeOverhead);
  return ranges_.bytes() + cached;
}

}  // namespace iovacheck
