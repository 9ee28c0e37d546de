#pragma once
// The kernel's bit helpers on pfns (fls, order_base_2, the size_aligned mask), shared by the
// trees and the range caches.
#include <bit>

#include "impl/domain_types.h"

namespace iovacheck::impl {

// Index of the highest set bit, 1-based; fls(0) = 0.
constexpr unsigned fls(Pfn value) { return static_cast<unsigned>(std::bit_width(value)); }

// ceil(log2(n)), 0 for n <= 1: a size's range-cache bin.
constexpr unsigned order_base_2(Pfn n) { return n <= 1 ? 0 : fls(n - 1); }

// roundup_pow2(n) for 1 <= n <= 2^63.
constexpr Pfn roundup_pow2(Pfn n) { return Pfn{1} << order_base_2(n); }

// alloc_iova's mask for size_aligned (step 1): aligns to roundup_pow2(size). Sizes above 2^63
// would need an alignment of 2^64, which only pfn 0 has; the kernel's shift by 64 is undefined.
constexpr Pfn size_align_mask(Pfn size) {
  const unsigned shift = fls(size - 1);
  return shift >= 64 ? 0 : ~Pfn{0} << shift;
}

// The page count of [pfn_lo, pfn_hi].
constexpr Pfn node_size(const Node& node) { return node.pfn_hi - node.pfn_lo + 1; }

}  // namespace iovacheck::impl
