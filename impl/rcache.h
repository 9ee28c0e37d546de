#pragma once
// The range caches of section 4: per size bin, each CPU's loaded and prev magazines and a depot
// stack of full magazines. Cached pfns keep their tree nodes; draining returns them through
// TreeAllocator::remove. The fast path's variant deltas (z6, z7, z8) live here.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "impl/domain.h"
#include "impl/tree_allocator.h"

namespace iovacheck::impl {

class RangeCaches {
 public:
  static constexpr unsigned kBins = 6;  // IOVA_RANGE_CACHE_MAX_SIZE: sizes 1..32 pages

  // cpus and mag_size come from the config; both are at least 1 (the domain checks).
  RangeCaches(const Config& config, const Variant& variant);

  // alloc_iova_fast's step 1: sizes below 32 pages round up to a power of two (z7: no rounding).
  Pfn fast_size(Pfn size) const;
  // Step 2: a cached pfn of size's bin for a range that must end at or below limit_pfn
  // (z6: that must start at or below it).
  std::optional<Pfn> get(Pfn size, Pfn limit_pfn, unsigned cpu);
  // free_iova_fast's insert; false when size's bin has no cache (the caller frees the pfn).
  bool insert(Pfn pfn, Pfn size, unsigned cpu);

  void flush_cpu(unsigned cpu, TreeAllocator& tree);  // free_cpu_cached_iovas
  void flush_depots(TreeAllocator& tree);             // free_global_cached_iovas
  // Step 4's flush before the retry: every CPU then the depots (z8: the CPUs only).
  void flush_for_retry(TreeAllocator& tree);
  void trim(TreeAllocator& tree);  // one run of every bin's depot-trimming work

  std::vector<CachedEntry> entries() const;
  std::optional<std::string> validate(const TreeAllocator& tree) const;
  std::string describe() const;

 private:
  using Magazine = std::vector<Pfn>;
  struct CpuMagazines {
    Magazine loaded;
    Magazine prev;
  };
  struct Bin {
    std::vector<CpuMagazines> cpus;
    std::vector<Magazine> depot;  // a stack: back() is the top
  };

  bool is_full(const Magazine& magazine) const { return magazine.size() >= mag_size_; }
  // What is wrong with the magazine, worded to follow its location (" holds ...", ": cached
  // ..."): the caller names the location only when there is something wrong, since validate()
  // runs after every step of every engine.
  std::optional<std::string> validate_magazine(const Magazine& magazine, unsigned bin, unsigned cpu,
                                               const TreeAllocator& tree) const;
  static std::optional<Pfn> pop_at_or_below(Magazine& magazine, Pfn bound);
  static void give_back(Magazine& magazine, TreeAllocator& tree);

  const Variant& variant_;
  unsigned mag_size_;
  std::array<Bin, kBins> bins_;
};

}  // namespace iovacheck::impl
