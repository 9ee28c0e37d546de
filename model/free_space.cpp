#include "model/free_space.h"

#include <algorithm>

namespace iovacheck {

bool is_aligned_for(Pfn pfn, Pfn size) {
  const unsigned order = order_base_2(size);
  if (order >= 64) return pfn == 0;
  return (pfn & ((Pfn{1} << order) - 1)) == 0;
}

Pfn fast_alloc_size(Pfn size) { return size < 32 ? roundup_pow2(size) : size; }

std::optional<Range> range_of(Pfn pfn, Pfn size) {
  if (size == 0 || pfn > kMaxPfn - (size - 1)) return std::nullopt;
  return Range{pfn, pfn + (size - 1)};
}

namespace {

// The highest placement of the request inside the free gap [lo, hi], if any.
std::optional<Pfn> highest_fit(Pfn lo, Pfn hi, const Request& request) {
  if (hi - lo < request.size - 1) return std::nullopt;
  Pfn candidate = hi - (request.size - 1);
  if (request.aligned) {
    const unsigned order = order_base_2(request.size);
    candidate = order >= 64 ? 0 : candidate & ~((Pfn{1} << order) - 1);
  }
  if (candidate < lo) return std::nullopt;
  return candidate;
}

}  // namespace

std::optional<Range> highest_placement_in(Pfn lo, Pfn hi, Pfn start_pfn, const Request& request) {
  lo = std::max(lo, start_pfn);
  hi = std::min(hi, request.limit);
  if (lo > hi) return std::nullopt;
  auto pfn = highest_fit(lo, hi, request);
  if (!pfn) return std::nullopt;
  return range_of(*pfn, request.size);
}

bool FittingScan::add(const Range& occupied) {
  if (beyond_top_) return false;
  if (occupied.lo > first_free_) {
    if (auto part = highest_placement_in(first_free_, occupied.lo - 1, start_pfn_, request_)) found_ = part;
  }
  if (occupied.hi == kMaxPfn) {
    beyond_top_ = true;
    return false;
  }
  first_free_ = std::max(first_free_, occupied.hi + 1);
  return true;
}

std::optional<Range> FittingScan::result() const {
  if (beyond_top_) return found_;
  if (auto part = highest_placement_in(first_free_, kMaxPfn, start_pfn_, request_)) return part;
  return found_;
}

std::optional<Range> find_fitting_placement(const std::map<Pfn, OwnedRange>& ranges, Pfn start_pfn,
                                      const Request& request, const Occupies& occupies) {
  FittingScan scan(start_pfn, request);
  for (const auto& [lo, owned] : ranges)
    if (occupies(owned) && !scan.add(owned.range)) break;
  return scan.result();
}

}  // namespace iovacheck
