#include "model/geometry.h"

#include <bit>

namespace iovacheck {

namespace {

// Above 2^31 the real dma_32bit_pfn, 1 << (32 - shift), would drop below 2.
constexpr Pfn kMaxGranule = Pfn{1} << 31;

bool valid_granule(Pfn granule) { return std::has_single_bit(granule) && granule <= kMaxGranule; }

std::string count_range_error(const char* field, unsigned value, unsigned max) {
  return "expected " + std::string(field) + " to be between 1 and " + std::to_string(max) + ", got " +
         std::to_string(value);
}

}  // namespace

std::optional<Pfn> Geometry::real_dma32(Pfn granule) {
  if (!valid_granule(granule)) return std::nullopt;
  return Pfn{1} << (32 - std::countr_zero(granule));
}

std::optional<std::string> geometry_error(const Geometry& geometry) {
  if (!valid_granule(geometry.granule))
    return "expected granule to be a power of two no larger than " + hex(kMaxGranule) + ", got " +
           hex(geometry.granule);
  if (!std::has_single_bit(geometry.dma32_pfn) || geometry.dma32_pfn < 2)
    return "expected dma32 to be a power of two >= 0x2, got " + hex(geometry.dma32_pfn);
  if (geometry.mag_size < 1 || geometry.mag_size > kMaxMagazineSize)
    return count_range_error("mag", geometry.mag_size, kMaxMagazineSize);
  if (geometry.cpus < 1 || geometry.cpus > kMaxCpus) return count_range_error("cpus", geometry.cpus, kMaxCpus);
  return std::nullopt;
}

}  // namespace iovacheck
