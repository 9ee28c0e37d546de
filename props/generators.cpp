#include "props/generators.h"

#include <algorithm>
#include <bit>

namespace iovacheck::props {
namespace {

constexpr Pfn kTop = kMaxPfn;
constexpr Pfn kHalfSpace = Pfn{1} << 63;

Pfn saturating_add(Pfn a, Pfn b) { return a > kTop - b ? kTop : a + b; }
Pfn saturating_sub(Pfn a, Pfn b) { return a < b ? 0 : a - b; }

// A pfn within two of one seen before (the generator is only used when `seen` is not empty).
rc::Gen<Pfn> near_seen(const Seen& seen) {
  return rc::gen::exec([seen] {
    const Pfn base = *rc::gen::elementOf(seen);
    const Pfn offset = *uniform(0, 4);  // -2 .. +2
    return offset < 2 ? saturating_sub(base, 2 - offset) : saturating_add(base, offset - 2);
  });
}

std::size_t weight_if(bool possible, std::size_t weight) { return possible ? weight : 0; }

rc::Gen<Pfn> values(std::vector<Pfn> choices) { return rc::gen::elementOf(std::move(choices)); }

rc::Gen<Pfn> dma32s() {
  return rc::gen::weightedOneOf<Pfn>({
      {8, rc::gen::map(uniform(1, 6), [](Pfn shift) { return Pfn{1} << shift; })},
      {2, rc::gen::map(uniform(7, 12), [](Pfn shift) { return Pfn{1} << shift; })},
      {3, rc::gen::just(*Geometry::real_dma32(0x1000))},
  });
}

// Large start_pfns sit around dma32 (so the 32-bit space is small or empty) or far above it.
rc::Gen<Pfn> start_pfns(Pfn dma32) {
  return rc::gen::weightedOneOf<Pfn>({
      {2, rc::gen::just(Pfn{0})},
      {6, rc::gen::just(Pfn{1})},
      {3, uniform(2, 8)},
      {2, uniform(dma32 / 2, dma32 + 1)},
      {1, values({dma32 / 4, Pfn{1} << 40, Pfn{1} << 62})},
  });
}

}  // namespace

rc::Gen<Pfn> uniform(Pfn low, Pfn high) {
  return rc::Gen<Pfn>([low, high](const rc::Random& random, int) {
    const Pfn span = high - low;
    const Pfn draw = rc::Random(random).next();
    const Pfn value = span == kTop ? draw : low + draw % (span + 1);
    return rc::shrinkable::shrinkRecur(value, [low](Pfn x) { return rc::shrink::towards<Pfn>(x, low); });
  });
}

rc::Gen<Geometry> geometries() {
  return rc::gen::exec([] {
    Geometry geometry;
    geometry.granule = *rc::gen::weightedElement<Pfn>({{12, 0x1000}, {1, 0x1}, {1, 0x200}, {1, 0x10000}});
    geometry.dma32_pfn = *dma32s();
    geometry.start_pfn = *start_pfns(geometry.dma32_pfn);
    geometry.mag_size = static_cast<unsigned>(*rc::gen::weightedOneOf<Pfn>({{8, uniform(1, 8)}, {2, rc::gen::just(Pfn{127})}}));
    geometry.cpus = static_cast<unsigned>(*uniform(1, 4));
    return geometry;
  });
}

rc::Gen<Pfn> sizes(const Geometry& geometry) {
  const Pfn dma32 = geometry.dma32_pfn;
  const Pfn start = geometry.start_pfn;
  const Pfn widest_shift = std::min<Pfn>(std::bit_width(dma32) + 1, 63);
  return rc::gen::weightedOneOf<Pfn>({
      {30, uniform(1, 4)},
      {20, rc::gen::exec([widest_shift] {
         const Pfn power = Pfn{1} << *uniform(0, widest_shift);
         const Pfn neighbour = *uniform(0, 2);
         return std::max<Pfn>(1, power - 1 + neighbour);  // 2^k - 1, 2^k, 2^k + 1
       })},
      {6, values({31, 32, 33, 63, 64, 65})},  // the range caches' last bins and beyond
      {15, uniform(1, 2 * dma32)},
      {5, values({dma32, std::max<Pfn>(1, saturating_sub(dma32, start)), kHalfSpace, kTop,
                  start == 0 ? kTop : kTop - start + 1})},
      {1, rc::gen::just(Pfn{0})},
  });
}

rc::Gen<Pfn> limits(const Geometry& geometry, const Seen& seen) {
  const Pfn dma32 = geometry.dma32_pfn;
  const Pfn start = geometry.start_pfn;
  return rc::gen::weightedOneOf<Pfn>({
      {20, rc::gen::just(dma32 - 1)},
      {8, values({dma32 - 2, dma32, dma32 + 1})},
      {12, uniform(0, 2 * dma32)},
      {4, uniform(0, saturating_sub(start, 1))},
      {5, uniform(start, saturating_add(start, 2 * dma32))},
      {weight_if(!seen.empty(), 10), seen.empty() ? rc::gen::just(dma32 - 1) : near_seen(seen)},
      {3, values({kTop, kTop - 1, geometry.max_reservable_pfn(), kHalfSpace, 0xffffffff})},
      {2, uniform(0, kTop)},
  });
}

rc::Gen<Pfn> pfns(const Geometry& geometry, const Seen& seen) {
  const Pfn dma32 = geometry.dma32_pfn;
  const Pfn start = geometry.start_pfn;
  return rc::gen::weightedOneOf<Pfn>({
      {weight_if(!seen.empty(), 12), seen.empty() ? rc::gen::just(start) : near_seen(seen)},
      {3, values({start, dma32 - 1, dma32, kTop})},
      {5, uniform(0, 2 * dma32)},
      {2, uniform(start, saturating_add(start, 2 * dma32))},
  });
}

rc::Gen<unsigned> cpus(const Geometry& geometry) {
  return rc::gen::map(uniform(0, geometry.cpus - 1), [](Pfn cpu) { return static_cast<unsigned>(cpu); });
}

rc::Gen<Reserve> reserves(const Geometry& geometry, const Seen& seen) {
  const Pfn dma32 = geometry.dma32_pfn;
  const Pfn start = geometry.start_pfn;
  const Pfn reservable = geometry.max_reservable_pfn();
  const rc::Gen<Pfn> anchors = pfns(geometry, seen);
  const rc::Gen<Pfn> spans = sizes(geometry);
  return rc::gen::weightedOneOf<Reserve>({
      {12, rc::gen::exec([anchors, spans] {
         const Pfn anchor = *anchors;
         const Pfn lo = saturating_sub(anchor, *uniform(0, 3));
         const Pfn span = std::max<Pfn>(*spans, 1);
         return Reserve{lo, saturating_add(lo, span - 1)};
       })},
      {3, rc::gen::just(Reserve{std::min(start, dma32 - 1), dma32 - 1})},
      {3, rc::gen::exec([dma32] {
         const Pfn lo = *uniform(0, 2 * dma32);
         const Pfn span = *uniform(0, dma32);
         return Reserve{lo, saturating_add(lo, span)};
       })},
      {1, rc::gen::exec([anchors] {  // reversed: lo above hi
         const Pfn hi = std::min(*anchors, kTop - 1);
         const Pfn gap = *uniform(1, 4);
         return Reserve{saturating_add(hi, gap), hi};
       })},
      {weight_if(reservable < kTop, 1), rc::gen::exec([reservable] {  // beyond 2^64-1 >> shift
         const Pfn below = *uniform(0, 3);
         const Pfn above = *uniform(1, 4);
         return Reserve{saturating_sub(reservable, below), saturating_add(reservable, above)};
       })},
  });
}

rc::Gen<Flush> flushes(const Geometry& geometry) {
  return rc::gen::weightedOneOf<Flush>({
      {3, rc::gen::map(cpus(geometry), [](unsigned cpu) { return Flush{Flush::Scope::Cpu, cpu}; })},
      {2, rc::gen::just(Flush{Flush::Scope::Depot, 0})},
      {2, rc::gen::just(Flush{Flush::Scope::All, 0})},
  });
}

}  // namespace iovacheck::props
