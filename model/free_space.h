#pragma once
// Questions about the free space of a model state: the completeness and soundness rules'
// arithmetic, kept apart from the per-op rules that ask them.
#include <functional>
#include <map>
#include <optional>

#include "model/geometry.h"
#include "model/model.h"

namespace iovacheck {

// An allocation request in the spec's terms: a page count, an inclusive limit, alignment.
struct Request {
  Pfn size = 1;
  Pfn limit = 0;
  bool aligned = true;
};

// True when pfn is a multiple of roundup_pow2(size); 2^64 alignment admits only pfn 0.
bool is_aligned_for(Pfn pfn, Pfn size);

// The size a fast allocation hands out: below 32 pages, rounded up to a power of two.
Pfn fast_alloc_size(Pfn size);

// [pfn, pfn + size - 1], or nullopt when that wraps past 2^64-1.
std::optional<Range> range_of(Pfn pfn, Pfn size);

// Which ranges stand in the way of an allocation.
using Occupies = std::function<bool(const OwnedRange&)>;

// The highest placement, inside [start_pfn, limit] and in free space, of an allocation
// satisfying the request; nullopt when there is none.
std::optional<Range> find_fitting_placement(const std::map<Pfn, OwnedRange>& ranges, Pfn start_pfn,
                                      const Request& request, const Occupies& occupies);

}  // namespace iovacheck
