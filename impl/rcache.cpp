#include "impl/rcache.h"

#include <algorithm>
#include <utility>

#include "impl/pfn_math.h"
#include "impl/pfn_text.h"

namespace iovacheck::impl {

RangeCaches::RangeCaches(const Config& config, const Variant& variant)
    : variant_(variant), mag_size_(config.mag_size), cpu_magazines_(std::size_t{kBins} * config.cpus) {
  for (unsigned bin = 0; bin < kBins; ++bin)
    bins_[bin].cpus = std::span(cpu_magazines_).subspan(std::size_t{bin} * config.cpus, config.cpus);
}

Pfn RangeCaches::fast_size(Pfn size) const {
  constexpr Pfn kLargestCachedSize = Pfn{1} << (kBins - 1);
  return variant_.fast_rounds_size && size < kLargestCachedSize ? roundup_pow2(size) : size;
}

std::optional<Pfn> RangeCaches::get(Pfn size, Pfn limit_pfn, unsigned cpu) {
  const unsigned bin_index = order_base_2(size);
  if (bin_index >= kBins) return std::nullopt;
  Bin& bin = bins_[bin_index];
  CpuMagazines& magazines = bin.cpus[cpu];
  if (magazines.loaded.empty()) {
    if (!magazines.prev.empty()) {
      std::swap(magazines.loaded, magazines.prev);
    } else if (!bin.depot.empty()) {
      magazines.loaded = std::move(bin.depot.back());
      bin.depot.pop_back();
      record(magazines.loaded, bin_index, CachedEntry::kDepot, cpu);
    } else {
      return std::nullopt;
    }
  }
  // Unsigned arithmetic as in the kernel: a limit below size - 1 wraps the bound (F5); f5 misses.
  if (variant_.fixes.f5 && limit_pfn < size - 1) return std::nullopt;
  const Pfn bound = variant_.rcache_bound_ignores_size ? limit_pfn : (limit_pfn + 1) - size;
  const std::optional<Pfn> pfn = pop_at_or_below(magazines.loaded, bound);
  if (pfn && journal_) journal_->cached_removed(*pfn, bin_index, cpu);
  return pfn;
}

// The first pfn <= bound scanning from the top index down; the last entry fills its slot.
std::optional<Pfn> RangeCaches::pop_at_or_below(Magazine& magazine, Pfn bound) {
  for (auto slot = magazine.rbegin(); slot != magazine.rend(); ++slot) {
    if (*slot > bound) continue;
    const Pfn pfn = *slot;
    *slot = magazine.back();
    magazine.pop_back();
    return pfn;
  }
  return std::nullopt;
}

bool RangeCaches::insert(Pfn pfn, Pfn size, unsigned cpu, TreeAllocator& tree) {
  const unsigned bin_index = order_base_2(size);
  if (bin_index >= kBins) return false;
  Bin& bin = bins_[bin_index];
  CpuMagazines& magazines = bin.cpus[cpu];
  if (is_full(magazines.loaded)) {
    if (!is_full(magazines.prev)) {
      std::swap(magazines.loaded, magazines.prev);
    } else if (variant_.depot_capacity == 0 || bin.depot.size() < variant_.depot_capacity) {
      record(magazines.loaded, bin_index, cpu, CachedEntry::kDepot);
      bin.depot.push_back(std::move(magazines.loaded));
      magazines.loaded = Magazine{};
    } else {  // z9: the pfn goes into a fresh magazine first, then the full one to the tree
      Magazine overflow = std::move(magazines.loaded);
      magazines.loaded = Magazine{pfn};
      if (journal_) journal_->cached_added(pfn, bin_index, cpu);
      give_back(overflow, bin_index, cpu, tree);
      return true;
    }
  }
  magazines.loaded.push_back(pfn);
  if (journal_) journal_->cached_added(pfn, bin_index, cpu);
  return true;
}

// Index order, 0 upward; a pfn whose node is gone is skipped (the kernel warns).
void RangeCaches::give_back(Magazine& magazine, unsigned bin, unsigned cpu, TreeAllocator& tree) {
  if (magazine.empty()) return;  // most of them: a flush visits every CPU's magazines of every bin
  record(magazine, bin, cpu, kNoSlot);
  for (Pfn pfn : magazine)
    if (!tree.remove(pfn) && !drained_without_node_) drained_without_node_ = pfn;
  magazine.clear();
}

// A magazine's entries leaving from_cpu's slot for to_cpu's (kNoSlot: leaving the caches).
void RangeCaches::record(const Magazine& magazine, unsigned bin, unsigned from_cpu, unsigned to_cpu) {
  if (!journal_) return;
  for (Pfn pfn : magazine) {
    journal_->cached_removed(pfn, bin, from_cpu);
    if (to_cpu != kNoSlot) journal_->cached_added(pfn, bin, to_cpu);
  }
}

void RangeCaches::flush_cpu(unsigned cpu, TreeAllocator& tree) {
  for (unsigned bin = 0; bin < kBins; ++bin) {
    give_back(bins_[bin].cpus[cpu].loaded, bin, cpu, tree);
    give_back(bins_[bin].cpus[cpu].prev, bin, cpu, tree);
  }
}

void RangeCaches::flush_depots(TreeAllocator& tree) {
  for (unsigned bin = 0; bin < kBins; ++bin) {
    std::vector<Magazine>& depot = bins_[bin].depot;
    if (variant_.depot_flush_bottom_first) {
      for (Magazine& magazine : depot) give_back(magazine, bin, CachedEntry::kDepot, tree);
      depot.clear();
      continue;
    }
    while (!depot.empty()) {
      give_back(depot.back(), bin, CachedEntry::kDepot, tree);
      depot.pop_back();
    }
  }
}

void RangeCaches::flush_for_retry(TreeAllocator& tree) {
  const auto cpus = static_cast<unsigned>(bins_.front().cpus.size());
  for (unsigned cpu = 0; cpu < cpus; ++cpu) flush_cpu(cpu, tree);
  if (variant_.fast_flush_drains_depot) flush_depots(tree);
}

void RangeCaches::trim(TreeAllocator& tree) {
  if (!variant_.depot_trimmed) return;
  for (unsigned bin = 0; bin < kBins; ++bin) {
    if (bins_[bin].depot.size() <= bins_[bin].cpus.size()) continue;
    give_back(bins_[bin].depot.back(), bin, CachedEntry::kDepot, tree);
    bins_[bin].depot.pop_back();
  }
}

std::vector<CachedEntry> RangeCaches::entries() const {
  std::vector<CachedEntry> result;
  for_each_entry([&result](const CachedEntry& entry) { result.push_back(entry); });
  return result;
}

CacheContents RangeCaches::contents() const {
  CacheContents contents;
  for (const Bin& bin : bins_) {
    CacheContents::Bin& copy = contents.bins.emplace_back();
    for (const CpuMagazines& magazines : bin.cpus) copy.cpus.push_back({magazines.loaded, magazines.prev});
    copy.depot.assign(bin.depot.rbegin(), bin.depot.rend());
  }
  return contents;
}

std::optional<std::string> RangeCaches::validate_magazine(const Magazine& magazine, unsigned bin, unsigned cpu,
                                                          const TreeAllocator& tree) const {
  if (magazine.size() > mag_size_)
    return " holds " + std::to_string(magazine.size()) + " pfns, more than the magazine size " + std::to_string(mag_size_);
  if (cpu == CachedEntry::kDepot && !is_full(magazine))
    return " holds " + std::to_string(magazine.size()) + " pfns: a depot magazine must be full";
  for (Pfn pfn : magazine) {
    const std::optional<Node> node = tree.find(pfn);
    if (!node) return ": cached pfn " + hex(pfn) + " has no tree node";
    if (node->pfn_lo != pfn) return ": cached pfn " + hex(pfn) + " is inside node " + range_text(*node) + ", not its start";
    if (order_base_2(node_size(*node)) != bin)
      return ": cached node " + range_text(*node) + " belongs to bin " + std::to_string(order_base_2(node_size(*node)));
  }
  return std::nullopt;
}

std::optional<std::string> RangeCaches::validate(const TreeAllocator& tree) const {
  if (drained_without_node_)
    return "a drain met cached pfn " + hex(*drained_without_node_) + " with no tree node (the kernel's WARN_ON(!iova))";
  const auto bin_name = [](unsigned bin) { return "rcache bin " + std::to_string(bin); };
  for (unsigned bin = 0; bin < kBins; ++bin) {
    const auto& cpus = bins_[bin].cpus;
    for (unsigned cpu = 0; cpu < cpus.size(); ++cpu) {
      const auto on_cpu = [&] { return bin_name(bin) + " cpu " + std::to_string(cpu); };
      if (auto problem = validate_magazine(cpus[cpu].loaded, bin, cpu, tree)) return on_cpu() + " loaded" + *problem;
      if (auto problem = validate_magazine(cpus[cpu].prev, bin, cpu, tree)) return on_cpu() + " prev" + *problem;
    }
    const auto& depot = bins_[bin].depot;
    for (std::size_t index = 0; index < depot.size(); ++index)
      if (auto problem = validate_magazine(depot[index], bin, CachedEntry::kDepot, tree))
        return bin_name(bin) + " depot magazine " + std::to_string(index) + *problem;
  }
  std::vector<Pfn>& pfns = validate_scratch_;
  pfns.clear();
  for_each_entry([&pfns](const CachedEntry& entry) { pfns.push_back(entry.pfn); });
  std::sort(pfns.begin(), pfns.end());
  if (auto twice = std::adjacent_find(pfns.begin(), pfns.end()); twice != pfns.end())
    return "pfn " + hex(*twice) + " is cached twice";
  return std::nullopt;
}

std::string RangeCaches::describe() const {
  std::string text;
  for (unsigned bin = 0; bin < kBins; ++bin) {
    std::size_t on_cpus = 0;
    for (const CpuMagazines& magazines : bins_[bin].cpus) on_cpus += magazines.loaded.size() + magazines.prev.size();
    text += "rcache bin " + std::to_string(bin) + ": " + std::to_string(on_cpus) + " pfns in cpu magazines, " +
            std::to_string(bins_[bin].depot.size()) + " depot magazines\n";
  }
  return text;
}

}  // namespace iovacheck::impl
