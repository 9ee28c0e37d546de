#pragma once
// The domain's geometry: everything fixed at init_iova_domain time (spec sections 1 and 4).
#include <optional>
#include <string>

#include "model/range.h"

namespace iovacheck {

inline constexpr unsigned kDefaultMagazineSize = 127;   // IOVA_MAG_SIZE since v6.0
inline constexpr unsigned kRangeCacheBins = 6;          // IOVA_RANGE_CACHE_MAX_SIZE: sizes 1..32
inline constexpr unsigned kMaxCpus = 1024;              // bounds what a trace may ask us to build
inline constexpr unsigned kMaxMagazineSize = 4096;

struct Geometry {
  Pfn granule = 0x1000;
  Pfn start_pfn = 1;
  Pfn dma32_pfn = 0x100000;   // dma_32bit_pfn; the real value is derived from the granule
  unsigned mag_size = kDefaultMagazineSize;
  unsigned cpus = 1;

  friend bool operator==(const Geometry&, const Geometry&) = default;

  // 1 << (32 - log2(granule)): what init_iova_domain computes.
  static std::optional<Pfn> real_dma32(Pfn granule);
  unsigned shift() const { return fls64(granule) - 1; }
  // Highest pfn reserve_iova accepts: 2^64-1 >> shift.
  Pfn max_reservable_pfn() const { return kMaxPfn >> shift(); }
};

// Why this geometry cannot describe a domain, or nullopt when it can.
std::optional<std::string> geometry_error(const Geometry& geometry);

// Size class of the range caches: order_base_2(size); sizes above 32 pages have no cache.
constexpr unsigned size_bin(Pfn size) { return order_base_2(size); }
constexpr bool is_cached_bin(unsigned bin) { return bin < kRangeCacheBins; }

}  // namespace iovacheck
