#pragma once
// What a dump_iova_rbtree dump says about the domain, in the spec's terms: geometry, nodes in
// pfns, the cached nodes resolved from their object addresses, max32_alloc_size, and every way
// the dump contradicts itself or the spec's structure. Partial dumps say what they could not show.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/dump_log.h"
#include "model/free_space.h"
#include "model/trace.h"

namespace iovacheck {

struct DumpNode {
  Range range;
  std::uint64_t object = 0;
  std::uint64_t index = 0;
  std::size_t line = 0;
};

// A finding about the dump, at a line of the log (0: the dump as a whole).
struct DumpRemark {
  std::size_t line = 0;
  std::string text;
};

// A cached_node/cached32_node object address and what it resolves to.
struct DumpHint {
  std::uint64_t object = 0;
  std::optional<NodeRef> node;  // nullopt: not resolved (see the remarks)
  std::size_t line = 0;         // the node line it resolved to
};

struct DumpState {
  std::size_t first_line = 0;
  std::size_t last_line = 0;
  std::uint64_t iovad = 0;
  Geometry geometry;  // granule, start_pfn, dma32 from the header; mag and cpus as the kernel's
  bool shifted = true;          // values printed in bytes (pfn << shift)
  std::vector<DumpNode> nodes;  // ascending, the anchor excluded
  std::optional<std::size_t> anchor_line;
  DumpHint cached;
  DumpHint cached32;
  Pfn max32 = 0;
  // Spans of pfns the omitted lines (or a cut-off end) may hold nodes in: unknown space.
  std::vector<Range> unknown;
  std::optional<std::uint64_t> count;  // nodes the dump says it holds, the anchor included
  std::optional<std::uint64_t> total_kb;

  std::vector<DumpRemark> violations;  // the dump contradicts itself or the spec's structure
  std::vector<DumpRemark> unchecked;   // what a partial dump does not let us check, and why
  std::vector<DumpRemark> notes;       // oddities of the print that prove nothing

  bool partial() const { return !unknown.empty(); }
  // The snapshot the dump describes (complete dumps; for a partial one, the nodes shown).
  Snapshot snapshot() const;
};

// Interprets one parsed dump. Throws LogError when the header lacks a field the state needs
// (granule, start_pfn, dma_32bit_pfn, max32_alloc_size, cached_node, cached32_node) or gives
// one the spec cannot hold (a granule that is not a power of two, ...).
DumpState read_dump(const Dump& dump);

// The hint invariant of section 2: max32_alloc_size is "the size of the last failed
// allocation" below dma32, so no aligned range of that many pages should fit there.
struct StaleEstimate {
  Range gap;        // the free gap below dma32 that holds it
  Range placement;  // the highest aligned placement of max32 pages in it
};
struct EstimateCheck {
  std::optional<StaleEstimate> stale;        // an aligned placement of max32 pages fits below dma32
  std::optional<Range> unaligned_placement;  // only when no aligned one fits
  Range largest_gap{};                       // the largest known free gap below dma32 (size 0: none)
  bool has_free_gap = false;
  bool unknown_space = false;  // the dump omits part of the space below dma32
};
EstimateCheck check_estimate(const DumpState& state);

// The free gap of a complete or partial state holding pfn: [prev.hi + 1, next.lo - 1] clipped to
// start_pfn, unknown spans counted as occupied.
Range free_gap_around(const DumpState& state, Pfn pfn);

// "pfns [0x70fe2, 0xebbff] = bytes [0x70fe2000, 0xebbfffff] (0x7ac1e pages, 1.92 GiB)".
std::string describe_span(const Range& pfns, const Geometry& geometry);

}  // namespace iovacheck
