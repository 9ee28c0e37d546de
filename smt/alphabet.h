#pragma once
// The operation alphabet the exhaustive explorer and the Z3 engine share: alloc with any size,
// limit and alignment in a small W-bit space, free of any live allocation, reserve of a free
// range. Both engines enumerate or encode exactly this set, so their shortest lengths compare.
#include <cstdint>
#include <string>
#include <vector>

#include "model/geometry.h"
#include "model/op.h"

namespace iovacheck::smt {

struct Alphabet {
  Geometry geometry{.granule = 0x1000, .start_pfn = 1, .dma32_pfn = 0x4, .mag_size = 2, .cpus = 1};
  unsigned width = 3;            // the space is [0, 2^width - 1]: nodes, limits, reservations
  std::vector<Pfn> limits;       // restriction: only these limits; empty = every limit in the space
  bool aligned_only = false;     // restriction: every alloc size-aligned
  bool reserve = true;           // reserve of a free range in the space is part of the alphabet
  bool free = true;              // free of a live allocation is part of the alphabet

  Pfn space_end() const { return (Pfn{1} << width) - 1; }  // highest pfn of the space
  Pfn max_size() const { return Pfn{1} << width; }          // sizes 1 .. 2^width
  bool limit_allowed(Pfn limit) const;
  std::vector<Pfn> limit_values() const;
  // The restrictions a verdict must be printed with, "" when none beyond the space.
  std::string restrictions() const;
  // "dma32=0x10 start=0x1, sizes 1..0x20, limits and reservations up to 0x1f": the bounds
  // every verdict states, after "in a W-bit space".
  std::string bounds() const;
};

// Why this alphabet cannot be explored or encoded (dma32 outside the space, ...), or "".
std::string alphabet_error(const Alphabet& alphabet);

// Every alloc of the alphabet, named `name`.
std::vector<Alloc> alloc_ops(const Alphabet& alphabet, const std::string& name);
// Every reservation of the alphabet that overlaps none of `nodes` (ascending).
std::vector<Reserve> reserve_ops(const Alphabet& alphabet, const std::vector<Range>& nodes);

}  // namespace iovacheck::smt
