#include "model/live_names.h"

#include <stdexcept>

#include "model/name_hash.h"

namespace iovacheck {

// The index's probe compares the full hash before the name.
std::size_t LiveNames::hash_name(std::string_view name) { return static_cast<std::size_t>(hash_name_bytes(name)); }

LiveNames::Slot LiveNames::slot_of(std::size_t index, std::size_t hash) {
  return Slot{static_cast<std::uint32_t>(index + 1), static_cast<std::uint32_t>(hash)};
}

std::size_t LiveNames::find_name(std::string_view name, std::size_t hash) const {
  const std::size_t mask = by_name_.size() - 1;
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    const Slot slot = by_name_[at];
    if (slot.entry == kEmpty) return at;
    if (slot.hash != static_cast<std::uint32_t>(hash)) continue;
    const Entry& entry = entries_[slot.entry - 1];
    if (entry.name_hash == hash && entry.name == name) return at;
  }
}

void LiveNames::erase_name_at(std::size_t at) {
  const std::size_t mask = by_name_.size() - 1;
  for (std::size_t next = (at + 1) & mask; by_name_[next].entry != kEmpty; next = (next + 1) & mask) {
    // An entry may move back into the hole unless its home lies cyclically in (at, next].
    const std::size_t home = by_name_[next].hash & mask;
    const bool home_after_hole = at <= next ? (at < home && home <= next) : (at < home || home <= next);
    if (home_after_hole) continue;
    by_name_[at] = by_name_[next];
    at = next;
  }
  by_name_[at] = Slot{};
}

void LiveNames::grow() {
  const std::size_t size = by_name_.empty() ? 64 : by_name_.size() * 2;
  if (size > (std::size_t{1} << 32)) throw std::length_error("LiveNames: more than 2^31 live names");
  by_name_.assign(size, Slot{});
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& entry = entries_[i];
    if (!entry.name.empty()) by_name_[find_name(entry.name, entry.name_hash)] = slot_of(i, entry.name_hash);  // live
  }
}

void LiveNames::reserve(std::size_t names) { entries_.reserve(names); }

void LiveNames::bind(std::string_view name, Pfn pfn) {
  if (name.empty()) throw std::logic_error("LiveNames::bind: an empty name");
  if (2 * (live_ + 1) > by_name_.size()) grow();
  const std::size_t hash = hash_name(name);
  std::size_t at = find_name(name, hash);
  if (by_name_[at].entry != kEmpty) {  // bound already: the new binding replaces it
    release_at(at);
    at = find_name(name, hash);
  }
  std::uint32_t index;
  if (latest_unused_ != 0) {
    index = latest_unused_ - 1;
    latest_unused_ = entries_[index].next_unused;
  } else {
    index = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& entry = entries_[index];
  entry.name.assign(name);
  entry.pfn = pfn;
  entry.name_hash = hash;
  by_name_[at] = slot_of(index, hash);
  if (by_pfn_kept_) by_pfn_.set(pfn, index);  // a pfn bound again now names the newer allocation
  ++live_;
}

void LiveNames::release(std::string_view name) {
  if (by_name_.empty() || name.empty()) return;
  const std::size_t at = find_name(name, hash_name(name));
  if (by_name_[at].entry != kEmpty) release_at(at);
}

void LiveNames::release_at(std::size_t at) {
  const std::uint32_t index = by_name_[at].entry - 1;
  Entry& entry = entries_[index];
  if (by_pfn_kept_) {
    if (const std::uint32_t* bound = by_pfn_.find(entry.pfn); bound && *bound == index) by_pfn_.erase(entry.pfn);
  }
  erase_name_at(at);
  entry.name.clear();
  entry.next_unused = latest_unused_;
  latest_unused_ = index + 1;
  --live_;
}

std::optional<Pfn> LiveNames::pfn_of(std::string_view name) const {
  if (by_name_.empty()) return std::nullopt;
  const Slot slot = by_name_[find_name(name, hash_name(name))];
  if (slot.entry == kEmpty) return std::nullopt;
  return entries_[slot.entry - 1].pfn;
}

void LiveNames::index_by_pfn() const {
  by_pfn_kept_ = true;
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (!entries_[i].name.empty()) by_pfn_.set(entries_[i].pfn, static_cast<std::uint32_t>(i));  // live
}

const std::string* LiveNames::name_at(Pfn pfn) const {
  if (!by_pfn_kept_) index_by_pfn();
  const std::uint32_t* index = by_pfn_.find(pfn);
  return index ? &entries_[*index].name : nullptr;
}

}  // namespace iovacheck
