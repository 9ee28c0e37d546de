#pragma once
// The names a trace has defined, with the line of each: exact, and compact enough for traces of
// millions of allocations (the names' bytes once, in one buffer, plus an open-addressing index of
// 16 bytes a slot). A trace's names are unique for all of it, so this grows with the trace.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iovacheck {

class NameTable {
 public:
  // The line that defined `name`, if a line did.
  std::optional<std::size_t> line_of(std::string_view name) const;
  bool contains(std::string_view name) const { return line_of(name).has_value(); }
  // Records a name not recorded yet.
  void add(std::string_view name, std::size_t line);
  std::size_t size() const { return count_; }
  std::size_t bytes() const { return chars_.capacity() + slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint64_t offset = kEmpty;  // where the entry starts in chars_: name, '\0', line in decimal, '\0'
  };
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

  static std::uint64_t hash_of(std::string_view name);
  std::string_view name_at(std::uint64_t offset) const;
  std::size_t slot_of(std::string_view name, std::uint64_t hash) const;  // its slot, or the empty one it would take
  void grow();

  std::string chars_;
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
