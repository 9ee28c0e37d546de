#pragma once
// An allocation request and the placement arithmetic of the spec, on one free gap at a time.
#include <optional>

#include "model/range.h"

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

// The highest placement of the request inside the free gap [lo, hi] clipped to
// [start_pfn, request.limit]; nullopt when it does not fit there.
std::optional<Range> highest_placement_in(Pfn lo, Pfn hi, Pfn start_pfn, const Request& request);

}  // namespace iovacheck
