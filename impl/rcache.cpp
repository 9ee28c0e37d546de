#include "impl/rcache.h"

#include <unordered_set>
#include <utility>

#include "impl/pfn_math.h"
#include "impl/pfn_text.h"

namespace iovacheck::impl {

RangeCaches::RangeCaches(const Config& config, const Variant& variant)
    : variant_(variant), mag_size_(config.mag_size) {
  for (Bin& bin : bins_) bin.cpus.resize(config.cpus);
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
    } else {
      return std::nullopt;
    }
  }
  // Unsigned arithmetic as in the kernel: a limit below size - 1 wraps the bound.
  const Pfn bound = variant_.rcache_bound_ignores_size ? limit_pfn : (limit_pfn + 1) - size;
  return pop_at_or_below(magazines.loaded, bound);
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

bool RangeCaches::insert(Pfn pfn, Pfn size, unsigned cpu) {
  const unsigned bin_index = order_base_2(size);
  if (bin_index >= kBins) return false;
  Bin& bin = bins_[bin_index];
  CpuMagazines& magazines = bin.cpus[cpu];
  if (is_full(magazines.loaded)) {
    if (!is_full(magazines.prev)) {
      std::swap(magazines.loaded, magazines.prev);
    } else {
      bin.depot.push_back(std::move(magazines.loaded));
      magazines.loaded = Magazine{};
    }
  }
  magazines.loaded.push_back(pfn);
  return true;
}

// Index order, 0 upward; a pfn whose node is gone is skipped (the kernel warns).
void RangeCaches::give_back(Magazine& magazine, TreeAllocator& tree) {
  for (Pfn pfn : magazine) tree.remove(pfn);
  magazine.clear();
}

void RangeCaches::flush_cpu(unsigned cpu, TreeAllocator& tree) {
  for (Bin& bin : bins_) {
    give_back(bin.cpus[cpu].loaded, tree);
    give_back(bin.cpus[cpu].prev, tree);
  }
}

void RangeCaches::flush_depots(TreeAllocator& tree) {
  for (Bin& bin : bins_) {
    while (!bin.depot.empty()) {
      give_back(bin.depot.back(), tree);
      bin.depot.pop_back();
    }
  }
}

void RangeCaches::flush_for_retry(TreeAllocator& tree) {
  const auto cpus = static_cast<unsigned>(bins_.front().cpus.size());
  for (unsigned cpu = 0; cpu < cpus; ++cpu) flush_cpu(cpu, tree);
  if (variant_.fast_flush_drains_depot) flush_depots(tree);
}

void RangeCaches::trim(TreeAllocator& tree) {
  for (Bin& bin : bins_) {
    if (bin.depot.size() <= bin.cpus.size()) continue;
    give_back(bin.depot.back(), tree);
    bin.depot.pop_back();
  }
}

std::vector<CachedEntry> RangeCaches::entries() const {
  std::vector<CachedEntry> result;
  for (unsigned bin = 0; bin < kBins; ++bin) {
    const auto& cpus = bins_[bin].cpus;
    for (unsigned cpu = 0; cpu < cpus.size(); ++cpu) {
      for (Pfn pfn : cpus[cpu].loaded) result.push_back(CachedEntry{pfn, bin, cpu});
      for (Pfn pfn : cpus[cpu].prev) result.push_back(CachedEntry{pfn, bin, cpu});
    }
    for (const Magazine& magazine : bins_[bin].depot)
      for (Pfn pfn : magazine) result.push_back(CachedEntry{pfn, bin, CachedEntry::kDepot});
  }
  return result;
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
  std::unordered_set<Pfn> seen;
  for (const CachedEntry& entry : entries())
    if (!seen.insert(entry.pfn).second) return "pfn " + hex(entry.pfn) + " is cached twice";
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
