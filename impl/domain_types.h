#pragma once
// The values a domain (domain.h) takes and gives, which its parts (tree, range caches, change
// journal) share: a header of their own, so that the domain can hold its parts in place.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

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

}  // namespace iovacheck::impl
