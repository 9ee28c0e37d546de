#pragma once
// Generators of geometry and per-op arguments, over the whole input space of the API and
// weighted toward its edges (dma32-1, start_pfn, powers of two and their neighbours, 2^64-1).
// Nothing here knows of a variant: the same distribution serves every implementation.
#include <cstddef>
#include <cstdint>
#include <span>
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

// Swarm testing (Groce et al., "Swarm testing", ISSTA 2012): most cases draw from a random subset
// of the op kinds and argument classes, so that long runs of a few kinds happen without the
// others interfering (an allocation at a low limit, say, which sets max32_alloc_size). Every
// subset is equally likely, so over many cases every kind and class is drawn.
//
// Run mode reaches the range caches' deep states, which independent draws practically never
// build: fast allocations and fast frees come in runs on one CPU with one size and limit, each
// run long enough to fill the CPU's two magazines and then `run_magazines` more into the depot
// (magazine-size-aware: (run_magazines + 2) x the geometry's magazine size), past the CPU count
// that 6.12's trim keeps or past a 32-magazine cap; a run of frees is mostly ended by a drain
// (trim or flush). Any op may still come between, so runs cover the input space, not one shape.
struct Swarm {
  static constexpr std::uint32_t kEvery = ~std::uint32_t{0};
  std::uint32_t ops = kEvery;     // bit i: the op kind of Op's alternative i
  std::uint32_t sizes = kEvery;   // bit i: the i-th size class sizes() lists
  std::uint32_t limits = kEvery;  // bit i: the i-th limit class limits() lists
  unsigned run_magazines = 0;     // run mode: magazines a run pushes past the CPU's two; 0: off
  // The length of a run of fast allocations or frees for a magazine size.
  std::size_t run_length(unsigned mag_size) const { return (run_magazines + 2) * std::size_t{mag_size}; }
  // A case's length scale: a run-mode case may be longer, since a run past a 32-magazine cap
  // needs 34 allocations and as many frees per pfn a magazine holds.
  int length_scale() const { return run_magazines > 32 ? 3 : run_magazines > 0 ? 2 : 1; }
};

rc::Gen<Swarm> swarms();

// The index of one of the weights, drawn by weight among those whose bit is set in `enabled`
// and in `possible` (among all the possible ones when none of those has a weight).
rc::Gen<std::size_t> weighted_index(std::span<const std::size_t> weights, std::uint32_t enabled = Swarm::kEvery,
                                    std::uint32_t possible = Swarm::kEvery);

// start_pfn 0, 1, small or large; dma32 a small power of two or the real 0x100000; mag 1..8 or
// 127; 1 to 4 cpus; the real 4 KiB granule mostly.
rc::Gen<Geometry> geometries();

// Sizes: small, powers of two and their neighbours, range-cache bin edges, arbitrary, the whole
// space and beyond, and (rarely) 0, which is bad input.
rc::Gen<Pfn> sizes(const Geometry& geometry, std::uint32_t classes = Swarm::kEvery);

// Inclusive limits: below, at and above dma32-1, arbitrary, below start_pfn, near earlier
// positions, and near 2^64-1 (where limit+1 wraps).
rc::Gen<Pfn> limits(const Geometry& geometry, const Seen& seen, std::uint32_t classes = Swarm::kEvery);

// Pfns to find or to free by address: near earlier positions mostly, the anchor sometimes.
rc::Gen<Pfn> pfns(const Geometry& geometry, const Seen& seen);

rc::Gen<unsigned> cpus(const Geometry& geometry);

// Reservations around earlier positions (overlapping live ranges), over the 32-bit space,
// arbitrary; rarely reversed or above the reservable space (caller errors).
rc::Gen<Reserve> reserves(const Geometry& geometry, const Seen& seen);

rc::Gen<Flush> flushes(const Geometry& geometry);

}  // namespace iovacheck::props
