#include "model/name_table.h"

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace iovacheck {

std::uint64_t NameTable::hash_of(std::string_view name) {
  std::uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : name) hash = (hash ^ c) * 0x100000001b3ull;
  return hash;
}

const char* NameTable::entry_at(std::uint32_t entry) const {
  return chunks_[entry >> kChunkBits].get() + (entry & (kChunk - 1));
}

std::size_t NameTable::slot_of(std::string_view name, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const auto high = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t index = hash & mask;; index = (index + 1) & mask) {
    const Slot& slot = slots_[index];
    if (slot.entry == kEmpty) return index;
    if (slot.hash == high) {
      const char* stored = entry_at(slot.entry);
      if (std::strncmp(stored, name.data(), name.size()) == 0 && stored[name.size()] == '\0') return index;
    }
  }
}

std::optional<std::size_t> NameTable::line_of(std::string_view name) const {
  if (slots_.empty()) return std::nullopt;
  const Slot& slot = slots_[slot_of(name, hash_of(name))];
  if (slot.entry == kEmpty) return std::nullopt;
  std::uint64_t line = 0;
  std::memcpy(&line, entry_at(slot.entry) + name.size() + 1, kLineBytes);
  return static_cast<std::size_t>(line);
}

std::uint32_t NameTable::store(std::string_view name, std::size_t line) {
  const std::size_t size = name.size() + 1 + kLineBytes;
  if (size > kChunk) throw std::length_error("NameTable: a name longer than 1 MiB");
  if (used_in_last_ + size > kChunk) {
    if (chunks_.size() >= (std::size_t{1} << (32 - kChunkBits)) - 1) throw std::length_error("NameTable: more than 4 GiB of names");
    chunks_.push_back(std::make_unique<char[]>(kChunk));
    used_in_last_ = 0;
  }
  char* at = chunks_.back().get() + used_in_last_;
  std::memcpy(at, name.data(), name.size());
  at[name.size()] = '\0';
  const auto line_value = static_cast<std::uint64_t>(line);
  std::memcpy(at + name.size() + 1, &line_value, kLineBytes);
  const auto entry = static_cast<std::uint32_t>(((chunks_.size() - 1) << kChunkBits) | used_in_last_);
  used_in_last_ += size;
  return entry;
}

std::optional<std::size_t> NameTable::add(std::string_view name, std::size_t line) {
  if ((count_ + 1) * 10 > slots_.size() * 7) grow();
  const std::uint64_t hash = hash_of(name);
  Slot& slot = slots_[slot_of(name, hash)];
  if (slot.entry != kEmpty) {
    std::uint64_t earlier = 0;
    std::memcpy(&earlier, entry_at(slot.entry) + name.size() + 1, kLineBytes);
    return static_cast<std::size_t>(earlier);
  }
  slot = Slot{static_cast<std::uint32_t>(hash >> 32), store(name, line)};
  ++count_;
  return std::nullopt;
}

void NameTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.entry == kEmpty) continue;
    const char* stored = entry_at(slot.entry);
    std::size_t index = hash_of(stored) & mask;
    while (slots_[index].entry != kEmpty) index = (index + 1) & mask;
    slots_[index] = slot;
  }
}

namespace {
std::uint64_t fingerprint(std::string_view name) {
  std::uint64_t hash = 0x84222325cbf29ce4ull;
  for (unsigned char c : name) hash = (hash ^ c) * 0x100000001b3ull;
  hash ^= hash >> 29;
  return hash == 0 ? 1 : hash;
}
}  // namespace

bool NameFingerprints::maybe_contains(std::string_view name) const {
  if (slots_.empty()) return false;
  const std::uint64_t print = fingerprint(name);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t index = print & mask; slots_[index] != 0; index = (index + 1) & mask)
    if (slots_[index] == print) return true;
  return false;
}

void NameFingerprints::add(std::string_view name) {
  if (maybe_contains(name)) return;
  if ((count_ + 1) * 10 > slots_.size() * 7) {
    std::vector<std::uint64_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::uint64_t print : old) {
      if (print == 0) continue;
      std::size_t index = print & mask;
      while (slots_[index] != 0) index = (index + 1) & mask;
      slots_[index] = print;
    }
  }
  const std::uint64_t print = fingerprint(name);
  const std::size_t mask = slots_.size() - 1;
  std::size_t index = print & mask;
  while (slots_[index] != 0) index = (index + 1) & mask;
  slots_[index] = print;
  ++count_;
}

}  // namespace iovacheck
