#include "model/live_names.h"

#include <functional>
#include <stdexcept>

namespace iovacheck {

std::size_t LiveNames::hash_pfn(Pfn pfn) {
  // Fibonacci hashing: neighbouring pfns (a driver's ring) land far apart.
  return static_cast<std::size_t>((pfn * 0x9e3779b97f4a7c15ull) >> 17);
}

std::size_t LiveNames::find_name(std::string_view name, std::size_t hash) const {
  const std::size_t mask = by_name_.size() - 1;
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    const Slot slot = by_name_[at];
    if (slot == kEmpty) return at;
    const Entry& entry = entries_[slot - 1];
    if (entry.name_hash == hash && entry.name == name) return at;
  }
}

std::size_t LiveNames::find_pfn(Pfn pfn) const {
  const std::size_t mask = by_pfn_.size() - 1;
  for (std::size_t at = hash_pfn(pfn) & mask;; at = (at + 1) & mask) {
    const Slot slot = by_pfn_[at];
    if (slot == kEmpty || entries_[slot - 1].pfn == pfn) return at;
  }
}

std::size_t LiveNames::home_of(Index index, Slot slot) const {
  const Entry& entry = entries_[slot - 1];
  const std::size_t mask = by_name_.size() - 1;  // both tables have one size
  return (index == Index::ByName ? entry.name_hash : hash_pfn(entry.pfn)) & mask;
}

void LiveNames::erase_at(Index index, std::size_t at) {
  std::vector<Slot>& table = this->table(index);
  const std::size_t mask = table.size() - 1;
  for (std::size_t next = (at + 1) & mask; table[next] != kEmpty; next = (next + 1) & mask) {
    // An entry may move back into the hole unless its home lies cyclically in (at, next].
    const std::size_t home = home_of(index, table[next]);
    const bool home_after_hole = at <= next ? (at < home && home <= next) : (at < home || home <= next);
    if (home_after_hole) continue;
    table[at] = table[next];
    at = next;
  }
  table[at] = kEmpty;
}

void LiveNames::grow() {
  const std::size_t size = by_name_.empty() ? 64 : by_name_.size() * 2;
  by_name_.assign(size, kEmpty);
  by_pfn_.assign(size, kEmpty);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& entry = entries_[i];
    if (entry.name.empty()) continue;  // unused: only live entries have a name
    by_name_[find_name(entry.name, entry.name_hash)] = static_cast<Slot>(i + 1);
    by_pfn_[find_pfn(entry.pfn)] = static_cast<Slot>(i + 1);
  }
}

void LiveNames::bind(std::string_view name, Pfn pfn) {
  if (name.empty()) throw std::logic_error("LiveNames::bind: an empty name");
  release(name);
  if (2 * (live_ + 1) > by_name_.size()) grow();
  std::uint32_t index;
  if (!unused_entries_.empty()) {
    index = unused_entries_.back();
    unused_entries_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& entry = entries_[index];
  entry.name.assign(name);
  entry.pfn = pfn;
  entry.name_hash = std::hash<std::string_view>{}(name);
  by_name_[find_name(name, entry.name_hash)] = index + 1;
  by_pfn_[find_pfn(pfn)] = index + 1;  // a pfn bound again now names the newer allocation
  ++live_;
}

void LiveNames::release(std::string_view name) {
  if (by_name_.empty() || name.empty()) return;
  const std::size_t at = find_name(name, std::hash<std::string_view>{}(name));
  const Slot slot = by_name_[at];
  if (slot == kEmpty) return;
  Entry& entry = entries_[slot - 1];
  if (const std::size_t pfn_at = find_pfn(entry.pfn); by_pfn_[pfn_at] == slot) erase_at(Index::ByPfn, pfn_at);
  erase_at(Index::ByName, at);
  entry.name.clear();
  unused_entries_.push_back(slot - 1);
  --live_;
}

std::optional<Pfn> LiveNames::pfn_of(std::string_view name) const {
  if (by_name_.empty()) return std::nullopt;
  const Slot slot = by_name_[find_name(name, std::hash<std::string_view>{}(name))];
  if (slot == kEmpty) return std::nullopt;
  return entries_[slot - 1].pfn;
}

const std::string* LiveNames::name_at(Pfn pfn) const {
  if (by_pfn_.empty()) return nullptr;
  const Slot slot = by_pfn_[find_pfn(pfn)];
  return slot == kEmpty ? nullptr : &entries_[slot - 1].name;
}

}  // namespace iovacheck
