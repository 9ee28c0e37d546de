#pragma once
// The checker's names of live allocations: name -> the pfn its allocation returned, and back.
// Two open-addressing indexes over one list of entries whose slots are reused, so binding and
// releasing a name allocates nothing once the tables have grown (a std::unordered_map and a
// std::map here took two heap nodes an allocation and most of the checker's own cost a step).
// The index by pfn is built on the first name_at() and kept from then on: only a free by pfn
// asks it (an engine that does not name its frees), so a run whose frees name their allocation
// never pays for it (it was a hash-table update and a cache miss or two on every bind and
// release). So name_at() may write: not for concurrent readers.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/pfn_map.h"
#include "model/range.h"

namespace iovacheck {

class LiveNames {
 public:
  // Binds a (non-empty) name to the pfn its allocation returned, replacing the name's binding.
  // A pfn bound to two live names at once (never, in a run that holds) names one of them.
  void bind(std::string_view name, Pfn pfn);
  // Forgets the name (and its pfn's binding); nothing when it is not live.
  void release(std::string_view name);
  std::optional<Pfn> pfn_of(std::string_view name) const;
  const std::string* name_at(Pfn pfn) const;  // nullptr when no live name is bound at pfn
  std::size_t size() const { return live_; }
  // Room for `names` live names without regrowing the entry list (a short run's names then
  // cost one allocation instead of one per doubling).
  void reserve(std::size_t names);

 private:
  // A probe slot keeps the low half of its name's hash beside the entry: a probe past another
  // name, and the backward shift of an erase, read no entry (a cache miss each, in thousands of
  // live names). The table never outgrows 2^32 slots, so the low half gives a slot's home.
  struct Slot {
    std::uint32_t entry = 0;  // the entry's index + 1; 0: empty
    std::uint32_t hash = 0;   // the name's hash, low 32 bits
  };
  static constexpr std::uint32_t kEmpty = 0;
  struct Entry {
    std::string name;  // its storage is reused by the next name bound in this entry
    Pfn pfn = 0;
    std::size_t name_hash = 0;
    // While the entry is unused (its name empty): the index + 1 of the unused entry released
    // before it, 0 for none. The unused entries are a list through the entries themselves, so
    // reusing them takes no list of its own (a further allocation every run).
    std::uint32_t next_unused = 0;
  };

  static std::size_t hash_name(std::string_view name);
  static Slot slot_of(std::size_t index, std::size_t hash);  // the probe slot of entry `index`
  // The slot holding the entry for the name, or the empty slot ending its probe sequence.
  std::size_t find_name(std::string_view name, std::size_t hash) const;
  void erase_name_at(std::size_t at);  // backward-shift deletion: no tombstones
  void release_at(std::size_t name_at);
  void grow();
  void index_by_pfn() const;  // builds by_pfn_ from the live entries

  std::vector<Entry> entries_;
  std::uint32_t latest_unused_ = 0;  // the index + 1 of the entry released last, 0 for none: reused first
  std::vector<Slot> by_name_;  // power-of-two sized, at most half full
  mutable PfnMap by_pfn_;      // pfn -> entry index, once by_pfn_kept_
  mutable bool by_pfn_kept_ = false;
  std::size_t live_ = 0;
};

}  // namespace iovacheck
