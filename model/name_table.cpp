#include "model/name_table.h"

#include <charconv>
#include <cstring>

namespace iovacheck {

std::uint64_t NameTable::hash_of(std::string_view name) {
  std::uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : name) hash = (hash ^ c) * 0x100000001b3ull;
  return hash;
}

std::string_view NameTable::name_at(std::uint64_t offset) const {
  const char* start = chars_.data() + offset;
  return std::string_view(start, std::strlen(start));
}

std::size_t NameTable::slot_of(std::string_view name, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t index = hash & mask;; index = (index + 1) & mask) {
    const Slot& slot = slots_[index];
    if (slot.offset == kEmpty || (slot.hash == hash && name_at(slot.offset) == name)) return index;
  }
}

std::optional<std::size_t> NameTable::line_of(std::string_view name) const {
  if (slots_.empty()) return std::nullopt;
  const Slot& slot = slots_[slot_of(name, hash_of(name))];
  if (slot.offset == kEmpty) return std::nullopt;
  const char* line = chars_.data() + slot.offset + name.size() + 1;
  std::size_t value = 0;
  std::from_chars(line, line + std::strlen(line), value);
  return value;
}

void NameTable::add(std::string_view name, std::size_t line) {
  if ((count_ + 1) * 10 > slots_.size() * 7) grow();
  const std::uint64_t hash = hash_of(name);
  Slot& slot = slots_[slot_of(name, hash)];
  if (slot.offset != kEmpty) return;
  slot = Slot{hash, chars_.size()};
  chars_.append(name);
  chars_.push_back('\0');
  chars_.append(std::to_string(line));
  chars_.push_back('\0');
  ++count_;
}

void NameTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.offset == kEmpty) continue;
    std::size_t index = slot.hash & mask;
    while (slots_[index].offset != kEmpty) index = (index + 1) & mask;
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
