#pragma once
// The range caches of section 4: per size bin, each CPU's loaded and prev magazines and a depot
// stack of full magazines. Cached pfns keep their tree nodes; draining returns them through
// TreeAllocator::remove. The fast path's variant deltas (z6, z7, z8) live here.
#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "impl/change_journal.h"
#include "impl/domain.h"
#include "impl/tree_allocator.h"

namespace iovacheck::impl {

class RangeCaches {
 public:
  static constexpr unsigned kBins = 6;  // IOVA_RANGE_CACHE_MAX_SIZE: sizes 1..32 pages

  // cpus and mag_size come from the config; both are at least 1 (the domain checks).
  RangeCaches(const Config& config, const Variant& variant);
  RangeCaches(const RangeCaches&) = delete;  // the bins view cpu_magazines_
  RangeCaches& operator=(const RangeCaches&) = delete;

  // alloc_iova_fast's step 1: sizes below 32 pages round up to a power of two (z7: no rounding).
  Pfn fast_size(Pfn size) const;
  // Step 2: a cached pfn of size's bin for a range that must end at or below limit_pfn
  // (z6: that must start at or below it).
  std::optional<Pfn> get(Pfn size, Pfn limit_pfn, unsigned cpu);
  // free_iova_fast's insert; false when size's bin has no cache (the caller frees the pfn).
  // A magazine that overflows a capped depot (z9) goes back to `tree`.
  bool insert(Pfn pfn, Pfn size, unsigned cpu, TreeAllocator& tree);

  void flush_cpu(unsigned cpu, TreeAllocator& tree);  // free_cpu_cached_iovas
  void flush_depots(TreeAllocator& tree);             // free_global_cached_iovas
  // Step 4's flush before the retry: every CPU then the depots (z8: the CPUs only).
  void flush_for_retry(TreeAllocator& tree);
  void trim(TreeAllocator& tree);  // one run of every bin's depot-trimming work

  // The kernel's WARN_ON(!iova) when a drain meets a pfn with no node; validate() reports it
  // until the next operation starts, as the kernel's warning belongs to one call.
  void start_operation() { drained_without_node_.reset(); }
  std::vector<CachedEntry> entries() const;
  // Calls visit for each of entries() in the same order, without building the list.
  template <class Visit>
  void for_each_entry(Visit visit) const;
  CacheContents contents() const;
  // Records every entry that enters, moves or leaves a cache from now on.
  void record_into(ChangeJournal* journal) { journal_ = journal; }
  std::optional<std::string> validate(const TreeAllocator& tree) const;
  std::string describe() const;

 private:
  using Magazine = std::vector<Pfn>;
  struct CpuMagazines {
    Magazine loaded;
    Magazine prev;
  };
  struct Bin {
    std::span<CpuMagazines> cpus;  // this bin's part of cpu_magazines_, one per CPU
    std::vector<Magazine> depot;   // a stack: back() is the top
  };

  static constexpr unsigned kNoSlot = CachedEntry::kDepot - 1;  // record(): the entries leave the caches

  bool is_full(const Magazine& magazine) const { return magazine.size() >= mag_size_; }
  // What is wrong with the magazine, worded to follow its location (" holds ...", ": cached
  // ..."): the caller names the location only when there is something wrong, since validate()
  // runs after every step of every engine.
  std::optional<std::string> validate_magazine(const Magazine& magazine, unsigned bin, unsigned cpu,
                                               const TreeAllocator& tree) const;
  static std::optional<Pfn> pop_at_or_below(Magazine& magazine, Pfn bound);
  void give_back(Magazine& magazine, unsigned bin, unsigned cpu, TreeAllocator& tree);
  void record(const Magazine& magazine, unsigned bin, unsigned from_cpu, unsigned to_cpu);

  const Variant& variant_;
  unsigned mag_size_;
  std::optional<Pfn> drained_without_node_;
  // Every bin's CPU magazines, bin after bin: one allocation a domain rather than one a bin (a
  // fuzz execution builds a domain for a few dozen operations).
  std::vector<CpuMagazines> cpu_magazines_;
  std::array<Bin, kBins> bins_;
  // validate()'s list of every cached pfn, kept so that a check after every step does not
  // allocate it anew; it holds nothing between calls.
  mutable std::vector<Pfn> validate_scratch_;
  ChangeJournal* journal_ = nullptr;
};

template <class Visit>
void RangeCaches::for_each_entry(Visit visit) const {
  for (unsigned bin = 0; bin < kBins; ++bin) {
    const auto& cpus = bins_[bin].cpus;
    for (unsigned cpu = 0; cpu < cpus.size(); ++cpu) {
      for (Pfn pfn : cpus[cpu].loaded) visit(CachedEntry{pfn, bin, cpu});
      for (Pfn pfn : cpus[cpu].prev) visit(CachedEntry{pfn, bin, cpu});
    }
    for (const Magazine& magazine : bins_[bin].depot)
      for (Pfn pfn : magazine) visit(CachedEntry{pfn, bin, CachedEntry::kDepot});
  }
}

}  // namespace iovacheck::impl
