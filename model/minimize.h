#pragma once
// The one trace minimizer every engine uses: delta debugging on traces under a predicate.
#include <cstddef>
#include <functional>

#include "model/trace.h"

namespace iovacheck {

// What the minimized trace must still do (e.g. "violates on V and not on mainline").
using TracePredicate = std::function<bool(const Trace&)>;

struct MinimizeOptions {
  // Bound on predicate calls: minimization stops with the best trace found so far.
  std::size_t max_predicate_calls = 4000;
};

struct MinimizeStats {
  std::size_t predicate_calls = 0;
  bool budget_exhausted = false;
};

// Returns the smallest trace found that `keeps` still holds for: steps dropped (ddmin; dropping
// an allocation drops the frees naming it), then each step simplified (sizes toward 1 and powers
// of two, limits lower and toward dma32-1 / start_pfn, `unaligned` and `noflush` dropped, cpus
// toward 0, expectations dropped), then the geometry (fewer cpus, granule and mag back to their
// defaults or mag smaller, start_pfn smaller with the positions above it following, dma32
// smaller with the positions at its top following), repeated to a fixed point. Allocation names
// are renumbered a1, a2, ... at the end. Traces to minimize should name their allocations (a
// CheckReport's `named` trace does), so that a dropped allocation takes its frees along.
// Every candidate is a valid, printable trace. When `keeps(trace)` is false the input is returned.
Trace minimize(const Trace& trace, const TracePredicate& keeps, const MinimizeOptions& options = {},
               MinimizeStats* stats = nullptr);

}  // namespace iovacheck
