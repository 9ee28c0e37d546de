#pragma once
// Generators of geometry and per-op arguments, over the whole input space of the API and
// weighted toward its edges (dma32-1, start_pfn, powers of two and their neighbours, 2^64-1).
// Nothing here knows of a variant: the same distribution serves every implementation.
#include <vector>

#include <rapidcheck.h>

#include "model/geometry.h"
#include "model/op.h"

namespace iovacheck::props {

// Recent pfns the ops pointed at (limits, likely placements, reservation bounds): frees, finds,
// reservations and limits aim there so that they meet live ranges.
using Seen = std::vector<Pfn>;

// An integer in [low, high], uniform whatever RapidCheck's size, shrinking toward `low`.
rc::Gen<Pfn> uniform(Pfn low, Pfn high);

// start_pfn 0, 1, small or large; dma32 a small power of two or the real 0x100000; mag 1..8 or
// 127; 1 to 4 cpus; the real 4 KiB granule mostly.
rc::Gen<Geometry> geometries();

// Sizes: small, powers of two and their neighbours, range-cache bin edges, arbitrary, the whole
// space and beyond, and (rarely) 0, which is bad input.
rc::Gen<Pfn> sizes(const Geometry& geometry);

// Inclusive limits: below, at and above dma32-1, arbitrary, below start_pfn, near earlier
// positions, and near 2^64-1 (where limit+1 wraps).
rc::Gen<Pfn> limits(const Geometry& geometry, const Seen& seen);

// Pfns to find or to free by address: near earlier positions mostly, the anchor sometimes.
rc::Gen<Pfn> pfns(const Geometry& geometry, const Seen& seen);

rc::Gen<unsigned> cpus(const Geometry& geometry);

// Reservations around earlier positions (overlapping live ranges), over the 32-bit space,
// arbitrary; rarely reversed or above the reservable space (caller errors).
rc::Gen<Reserve> reserves(const Geometry& geometry, const Seen& seen);

rc::Gen<Flush> flushes(const Geometry& geometry);

}  // namespace iovacheck::props
