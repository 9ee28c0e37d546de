#pragma once
// The allocator under test: an iova_domain with its tree and range caches, written from
// allocator-semantics.md sections 1-4 and shaped by a Variant. Knows nothing of model/.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "impl/variant.h"

namespace iovacheck::impl {

using Pfn = std::uint64_t;

struct Config {
  Pfn granule = 0x1000;
  Pfn start_pfn = 1;
  Pfn dma32_pfn = 0x100000;
  unsigned mag_size = 127;
  unsigned cpus = 1;
};

struct Node {
  Pfn pfn_lo = 0;
  Pfn pfn_hi = 0;
  friend bool operator==(const Node&, const Node&) = default;
};

// A tree state to start from (a kernel log). cached refs name a node by pfn_lo; nullopt = anchor.
struct TreeSnapshot {
  std::vector<Node> nodes;
  std::optional<Pfn> cached32_lo;  // nullopt: the anchor
  std::optional<Pfn> cached_lo;
  std::optional<Pfn> max32_alloc_size;
};

struct CachedEntry {
  static constexpr unsigned kDepot = ~0u;
  Pfn pfn = 0;
  unsigned bin = 0;
  unsigned cpu = kDepot;  // kDepot when in the bin's depot
};

enum class Status { Ok, Fail, BadInput };

struct AllocResult {
  Status status = Status::Fail;
  Pfn pfn = 0;
};

struct ReserveResult {
  Status status = Status::Fail;
  Node node;
};

class TreeAllocator;  // impl/tree_allocator.h
class RangeCaches;    // impl/rcache.h

class Domain {
 public:
  // Throws std::invalid_argument on a config or snapshot the allocator cannot hold.
  Domain(const Config& config, const Variant& variant, const TreeSnapshot* snapshot = nullptr);
  ~Domain();
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;

  AllocResult alloc_iova(Pfn size, Pfn limit_pfn, bool size_aligned);
  AllocResult alloc_iova_fast(Pfn size, Pfn limit_pfn, unsigned cpu, bool flush_rcache);
  Status free_iova(Pfn pfn);                              // BadInput: no node holds pfn
  Status free_iova_fast(Pfn pfn, Pfn size, unsigned cpu);
  ReserveResult reserve_iova(Pfn pfn_lo, Pfn pfn_hi);
  std::optional<Node> find_iova(Pfn pfn) const;
  Status free_cpu_cached_iovas(unsigned cpu);
  void free_global_cached_iovas();
  void trim_depots();  // one run of every bin's depot-trimming work

  std::vector<Node> nodes() const;  // ascending, the anchor included (last)
  std::vector<CachedEntry> cached() const;
  // Every structural invariant; the first that does not hold.
  std::optional<std::string> validate() const;
  std::string describe() const;  // hints and counters, one per line
  const Config& config() const { return config_; }
  const Variant& variant() const { return variant_; }

 private:
  Config config_;
  const Variant variant_;  // a copy: NAME+fN variants are built on the fly; tree_ and caches_ refer to it
  std::unique_ptr<TreeAllocator> tree_;
  std::unique_ptr<RangeCaches> caches_;
};

}  // namespace iovacheck::impl
