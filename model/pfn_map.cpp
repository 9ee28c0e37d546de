#include "model/pfn_map.h"

namespace iovacheck {

// Fibonacci hashing: neighbouring pfns (a driver's ring, a magazine's ranges) land far apart.
std::size_t PfnMap::home(Pfn key) const {
  return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> 17) & (slots_.size() - 1);
}

std::size_t PfnMap::position(Pfn key) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t at = home(key);
  while (slots_[at].used && slots_[at].key != key) at = (at + 1) & mask;
  return at;
}

void PfnMap::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  for (const Slot& slot : old)
    if (slot.used) slots_[position(slot.key)] = slot;
}

void PfnMap::set(Pfn key, std::uint32_t value) {
  if (2 * (count_ + 1) > slots_.size()) grow();
  Slot& slot = slots_[position(key)];
  if (!slot.used) ++count_;
  slot = Slot{key, value, true};
}

const std::uint32_t* PfnMap::find(Pfn key) const {
  if (slots_.empty()) return nullptr;
  const Slot& slot = slots_[position(key)];
  return slot.used ? &slot.value : nullptr;
}

std::uint32_t* PfnMap::find(Pfn key) { return const_cast<std::uint32_t*>(static_cast<const PfnMap*>(this)->find(key)); }

void PfnMap::erase(Pfn key) {
  if (slots_.empty()) return;
  std::size_t hole = position(key);
  if (!slots_[hole].used) return;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t next = (hole + 1) & mask; slots_[next].used; next = (next + 1) & mask) {
    // An entry may move back into the hole unless its home lies cyclically in (hole, next].
    const std::size_t at = home(slots_[next].key);
    const bool home_after_hole = hole <= next ? (hole < at && at <= next) : (hole < at || at <= next);
    if (home_after_hole) continue;
    slots_[hole] = slots_[next];
    hole = next;
  }
  slots_[hole] = Slot{};
  --count_;
}

}  // namespace iovacheck
