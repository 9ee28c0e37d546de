#pragma once
// The names a trace has defined (no NUL byte in one), with the line of each: exact, and compact enough for traces of
// millions of allocations (each name's bytes and line once, in 1 MiB chunks, plus an
// open-addressing index of 8 bytes a slot: about 30 bytes a name). A trace's names are unique
// for all of it, so this is the one thing a streamed replay keeps that grows with the trace.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iovacheck {

class NameTable {
 public:
  // The line that defined `name`, if a line did.
  std::optional<std::size_t> line_of(std::string_view name) const;
  bool contains(std::string_view name) const;
  // Records the name with its line; when it was recorded already, changes nothing and returns
  // the line that defined it (one lookup for "is it new" and "remember it").
  std::optional<std::size_t> add(std::string_view name, std::size_t line);
  std::size_t size() const { return count_; }
  std::size_t bytes() const { return chunks_.size() * kChunk + slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    std::uint32_t tag = 0;         // the name's hash: its low bits are the home slot
    std::uint32_t entry = kEmpty;  // chunk << 20 | offset of: name, '\0', the line's 8 bytes
  };
  static constexpr std::size_t kLineBytes = sizeof(std::uint64_t);
  static constexpr std::uint32_t kEmpty = ~std::uint32_t{0};
  static constexpr std::size_t kChunkBits = 20;
  static constexpr std::size_t kChunk = std::size_t{1} << kChunkBits;

  static std::uint32_t tag_of(std::string_view name);
  // A taken slot sends the probe to the next run rather than the next slot: names fill aligned
  // runs of sixteen slots (tag_of), and stepping through a full run slot by slot would make
  // every run a long cluster. Odd, so the probe still reaches every slot.
  static constexpr std::size_t kProbeStride = 17;
  static std::size_t next_probe(std::size_t index, std::size_t mask) { return (index + kProbeStride) & mask; }
  const char* entry_at(std::uint32_t entry) const;
  std::size_t slot_of(std::string_view name, std::uint32_t tag) const;  // its slot, or the empty one it would take
  std::uint32_t store(std::string_view name, std::size_t line);
  void grow();

  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t used_in_last_ = kChunk;
  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

// A set of 64-bit fingerprints of names: a false "seen" is possible (odds about n^2 / 2^65) and
// is only ever used where it is harmless (skipping a fresh name).
class NameFingerprints {
 public:
  bool maybe_contains(std::string_view name) const;
  void add(std::string_view name);

 private:
  std::vector<std::uint64_t> slots_;  // 0: empty
  std::size_t count_ = 0;
};

}  // namespace iovacheck
