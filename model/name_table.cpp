#include "model/name_table.h"

#include <bit>
#include <cstring>
#include <stdexcept>

#include "model/name_hash.h"

namespace iovacheck {

namespace {

constexpr std::size_t kMostCounterDigits = 9;  // below 10^9: the counter fits 32 bits

}  // namespace

// Names are mostly a stem and a counter (a1, a2, ...; the checker's r1, r2, ...), defined in
// counter order and freed soon after. A hash of the whole name would send each to a random slot,
// a cache miss in a table of millions; instead the sixteen names that differ only in the
// counter's last hex digit share one aligned run of sixteen slots (two cache lines), so defining
// and freeing recent names touches a few hot lines. The stem, the counter's length and the rest
// of the counter still choose the run at random, and a name without a counter is hashed whole.
std::uint32_t NameTable::tag_of(std::string_view name) {
  // The counter read backwards, one pass; a tenth digit means it is too long to group.
  const char* const begin = name.data();
  const char* stem_end = begin + name.size();
  std::uint64_t counter = 0;
  std::uint64_t scale = 1;
  while (stem_end != begin && scale <= 1'000'000'000) {
    const auto digit = static_cast<std::uint64_t>(static_cast<unsigned char>(stem_end[-1])) - '0';
    if (digit > 9) break;
    counter += digit * scale;
    scale *= 10;
    --stem_end;
  }
  const auto digits = static_cast<std::size_t>(begin + name.size() - stem_end);
  if (digits == 0 || digits > kMostCounterDigits) return static_cast<std::uint32_t>(hash_name_bytes(name) >> 32);
  const std::uint64_t run = hash_name_bytes(std::string_view(begin, static_cast<std::size_t>(stem_end - begin)), (counter >> 4) << 4 | digits);
  return (static_cast<std::uint32_t>(run >> 32) & ~std::uint32_t{0xf}) | static_cast<std::uint32_t>(counter & 0xf);
}

namespace {
// Whether the stored, NUL-terminated name is `name`. Byte by byte: names are short, and the
// stored name's NUL differs from every byte of `name`, so no byte past it is read.
bool stored_as(const char* stored, std::string_view name) {
  for (const char c : name)
    if (*stored++ != c) return false;
  return *stored == '\0';
}
}  // namespace

const char* NameTable::entry_at(std::uint32_t entry) const {
  return chunks_[entry >> kChunkBits].get() + (entry & (kChunk - 1));
}

std::size_t NameTable::slot_of(std::string_view name, std::uint32_t tag) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t index = tag & mask;; index = next_probe(index, mask)) {
    const Slot& slot = slots_[index];
    if (slot.entry == kEmpty) return index;
    if (slot.tag == tag) {
      const char* stored = entry_at(slot.entry);
      if (stored_as(stored, name)) return index;
    }
  }
}

bool NameTable::contains(std::string_view name) const {
  return !slots_.empty() && slots_[slot_of(name, tag_of(name))].entry != kEmpty;
}

std::optional<std::size_t> NameTable::line_of(std::string_view name) const {
  if (slots_.empty()) return std::nullopt;
  const Slot& slot = slots_[slot_of(name, tag_of(name))];
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
  const std::uint32_t tag = tag_of(name);
  Slot& slot = slots_[slot_of(name, tag)];
  if (slot.entry != kEmpty) {
    std::uint64_t earlier = 0;
    std::memcpy(&earlier, entry_at(slot.entry) + name.size() + 1, kLineBytes);
    return static_cast<std::size_t>(earlier);
  }
  slot = Slot{tag, store(name, line)};
  ++count_;
  return std::nullopt;
}

void NameTable::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {  // the tag is the index: no name is read again
    if (slot.entry == kEmpty) continue;
    std::size_t index = slot.tag & mask;
    while (slots_[index].entry != kEmpty) index = next_probe(index, mask);
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
