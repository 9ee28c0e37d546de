#pragma once
// The allocator under test: an iova_domain with its tree and range caches, written from
// docs/spec.md sections 1-4 and shaped by a Variant. Knows nothing of model/.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
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

// Every magazine's pfns in slot order: per bin, each CPU's loaded and prev, the depot top first.
struct CacheContents {
  struct CpuMagazines {
    std::vector<Pfn> loaded;
    std::vector<Pfn> prev;
  };
  struct Bin {
    std::vector<CpuMagazines> cpus;
    std::vector<std::vector<Pfn>> depot;  // [0] is the top, the next to be popped
  };
  std::vector<Bin> bins;
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

// Where one tree allocation ended (section 3), for explaining a result, never for judging it:
// the early check on max32_alloc_size (step 2), the first or the retry pass of the walk
// (steps 4-5), or the one search over the whole space that p1-p3 make.
enum class SearchExit { EarlyCheck, FirstPass, RetryPass, WholeSearch };
struct TreeAttempt {
  SearchExit exit = SearchExit::FirstPass;
  bool placed = false;
};

// The hints of section 2 as the tree holds them: for explaining a state (log-check, draw) and
// for an exact comparison with another implementation (the kernel's).
struct HintRef {
  enum class Kind { None, Anchor, Node, Freed };  // None: the variant keeps no such hint
  Kind kind = Kind::None;
  Pfn pfn_lo = 0;  // Node, Anchor
  Pfn pfn_hi = 0;  // 0 when the holder knows only where the node starts (a log)
  bool live() const { return kind == Kind::Node || kind == Kind::Anchor; }
};
struct TreeHints {
  HintRef cached;
  HintRef cached32;
  Pfn max32_alloc_size = 0;
};

// What the domain changed between two calls of take_changes(): the set difference of the states,
// as the net count of each node and cache entry that changed (+n: n more now than before, -n: n
// fewer; never 0), in ascending order. The lists are the domain's own (netted where they were
// recorded, so reporting a step builds no list): valid until the domain changes again.
struct NodeChange {
  Node node;
  int count = 0;
};
struct CachedChange {
  CachedEntry entry;
  int count = 0;
};
struct DomainChanges {
  std::span<const NodeChange> nodes;
  std::span<const CachedChange> cached;
  bool complete = true;  // false: a change was not recorded entry by entry (observe everything)
};

// Receive a domain's nodes or cache entries one at a time, for a caller that keeps them in its
// own types: no list of the domain's is built for it.
using NodeVisitor = std::function<void(const Node&)>;
using CachedEntryVisitor = std::function<void(const CachedEntry&)>;

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
  // Starts one caller-level operation: warnings of the previous one (a drain that met a pfn with
  // no node) are no longer reported by validate().
  void start_operation();

  std::vector<Node> nodes() const;  // ascending, the anchor included (last)
  void for_each_node(const NodeVisitor& visit) const;  // in the same order
  std::size_t node_count() const;
  std::vector<CachedEntry> cached() const;
  void for_each_cached(const CachedEntryVisitor& visit) const;  // in the same order
  CacheContents cache_contents() const;
  // What changed since the last call (or since construction), netted.
  DomainChanges take_changes();
  // Every structural invariant; the first that does not hold.
  std::optional<std::string> validate() const;
  std::string describe() const;  // hints and counters, one per line
  TreeHints hints() const;
  // The tree allocations the last alloc_iova or alloc_iova_fast made, in order (none after a
  // range-cache hit; two when the fast path flushed and retried).
  std::span<const TreeAttempt> last_attempts() const { return std::span(last_attempts_).first(attempt_count_); }
  const Config& config() const { return config_; }
  const Variant& variant() const { return variant_; }

 private:
  Config config_;
  const Variant variant_;  // a copy: NAME+fN variants are built on the fly; the parts refer to it
  // The change journal, the tree and the range caches (domain.cpp), in one allocation: a fuzz
  // execution builds a domain or two for a few dozen operations, under ASan, where each
  // allocation records a stack.
  struct Parts;
  std::unique_ptr<Parts> parts_;
  // Held in place rather than in a vector for the same reason: an allocation makes at most two.
  std::array<TreeAttempt, 2> last_attempts_;
  std::size_t attempt_count_ = 0;

  std::optional<Pfn> tree_alloc(Pfn size, Pfn limit_pfn, bool size_aligned);
};

}  // namespace iovacheck::impl
