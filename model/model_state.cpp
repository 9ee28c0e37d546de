#include "model/model_state.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace iovacheck {

ModelState::ModelState() { set(kMaxPfn, OwnedRange{Range{kMaxPfn, kMaxPfn}, Owner::reserved()}); }

const OwnedRange* ModelState::at(Pfn lo) const { return ranges_.at(lo); }

namespace {
constexpr std::size_t kFirstSlotCapacity = 8;
bool holds(const OwnedRange* candidate, Pfn pfn) { return candidate && candidate->range.lo <= pfn && pfn <= candidate->range.hi; }
}  // namespace

const OwnedRange* ModelState::holding(Pfn pfn) const {
  if (holds(latest_holder_.range, pfn)) return latest_holder_.range;
  const OwnedRange* holder = ranges_.holding(pfn);
  if (holder) latest_holder_.range = holder;
  return holder;
}

const OwnedRange* ModelState::holding(Pfn pfn, const OwnedRange* candidate) const {
  return holds(candidate, pfn) ? candidate : holding(pfn);
}

// A cached range's magazine pfn lies inside it (the pfn the fast allocation returned), so the
// range holding the pfn is the only candidate: no index of magazine pfns is needed.
const OwnedRange* ModelState::cached(Pfn pfn, const OwnedRange* candidate) const {
  const OwnedRange* holder = holding(pfn, candidate);
  return holder && holder->owner.is_cached() && holder->owner.pfn == pfn ? holder : nullptr;
}

// Slots of one CPU (or the depot) side by side: the depot first, then CPU 0, 1, ...
std::size_t ModelState::slot_index(unsigned bin, CacheSlot slot) {
  const std::size_t place = slot.in_depot() ? 0 : std::size_t{slot.cpu} + 1;
  return place * kRangeCacheBins + bin;
}

std::span<const CachedStart> ModelState::cached_in(unsigned bin, CacheSlot slot) const {
  const std::size_t index = slot_index(bin, slot);
  if (index >= cached_by_slot_.size()) return {};
  return cached_by_slot_[index];
}

std::vector<CachedPfn> ModelState::cached_entries() const {
  std::vector<CachedPfn> entries;
  entries.reserve(cached_total_);
  for (const std::vector<CachedStart>& slot : cached_by_slot_) {
    for (const CachedStart& cached : slot) {
      const Owner& owner = ranges_.at(cached.lo)->owner;
      entries.push_back(CachedPfn{owner.pfn, owner.bin, owner.slot});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const CachedPfn& a, const CachedPfn& b) {
    return std::tie(a.pfn, a.bin, a.slot.cpu) < std::tie(b.pfn, b.bin, b.slot.cpu);
  });
  return entries;
}

void ModelState::set(Pfn lo, const std::optional<OwnedRange>& range, const OwnedRange* current) {
  latest_holder_.range = nullptr;
  if (current && current->range.lo != lo) throw std::logic_error("ModelState::set: the range in hand does not start at " + hex(lo));
  if (current && range && current->range == range->range) {
    unindex_owner(*current);  // the same pages change hands: the free space stays as it is
    ranges_.set_owner(*current, range->owner);
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
  const std::size_t index = slot_index(owned.owner.bin, owned.owner.slot);
  if (index >= cached_by_slot_.size()) cached_by_slot_.resize(index + 1);
  std::vector<CachedStart>& slot = cached_by_slot_[index];
  // A slot's first entry makes room for a CPU's magazine or so: one allocation, not one per doubling.
  if (slot.capacity() == 0) slot.reserve(kFirstSlotCapacity);
  place_in_slot_.set(owned.range.lo, static_cast<std::uint32_t>(slot.size()));
  slot.push_back(CachedStart{owned.range.lo, owned.owner.pfn});
}

void ModelState::unindex_owner(const OwnedRange& owned) {
  if (!owned.owner.is_cached()) return;
  --cached_total_;
  // An emptied slot keeps its list's storage: slots fill and empty all the time.
  std::vector<CachedStart>& slot = cached_by_slot_[slot_index(owned.owner.bin, owned.owner.slot)];
  const std::uint32_t place = *place_in_slot_.find(owned.range.lo);
  if (place + 1 != slot.size()) {
    slot[place] = slot.back();
    place_in_slot_.set(slot[place].lo, place);
  }
  slot.pop_back();
  place_in_slot_.erase(owned.range.lo);
}

std::size_t ModelState::bytes() const {
  std::size_t cached = cached_by_slot_.capacity() * sizeof(std::vector<CachedStart>) + place_in_slot_.bytes();
  for (const std::vector<CachedStart>& slot : cached_by_slot_) cached += slot.capacity() * sizeof(CachedStart);
  return ranges_.bytes() + cached;
}

}  // namespace iovacheck
