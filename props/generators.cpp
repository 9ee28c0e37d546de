#include "props/generators.h"

#include <algorithm>
#include <array>
#include <bit>
#include <variant>

namespace iovacheck::props {
namespace {

constexpr Pfn kTop = kMaxPfn;
constexpr Pfn kHalfSpace = Pfn{1} << 63;

// Each generator draws a class by weight, then a value of that class. Class i of sizes() and
// limits() is bit i of the swarm's masks.
constexpr std::array<std::size_t, 6> kSizeWeights{30, 20, 6, 15, 5, 1};
constexpr std::array<std::size_t, 8> kLimitWeights{20, 8, 12, 4, 5, 10, 3, 2};
constexpr std::array<std::size_t, 4> kPfnWeights{12, 3, 5, 2};
constexpr std::array<std::size_t, 6> kReserveWeights{12, 3, 3, 1, 1, 1};
constexpr std::array<std::size_t, 3> kFlushWeights{3, 2, 2};

Pfn saturating_add(Pfn a, Pfn b) { return a > kTop - b ? kTop : a + b; }
Pfn saturating_sub(Pfn a, Pfn b) { return a < b ? 0 : a - b; }

// One of a few values, equally likely (inside a generator).
Pfn one_of(std::initializer_list<Pfn> values) {
  return values.begin()[*uniform(0, values.size() - 1)];
}

// A pfn within two of one seen before (inside a generator; `seen` not empty).
Pfn near(const Seen& seen) {
  const Pfn base = seen[*uniform(0, seen.size() - 1)];
  const Pfn offset = *uniform(0, 4);  // -2 .. +2
  return offset < 2 ? saturating_sub(base, 2 - offset) : saturating_add(base, offset - 2);
}

// Every class, but `bit` when it is impossible.
std::uint32_t possible_unless(bool impossible, unsigned bit) { return impossible ? ~(1u << bit) : Swarm::kEvery; }

Pfn dma32_of() {
  switch (*weighted_index(std::array<std::size_t, 3>{8, 2, 3})) {
    case 0: return Pfn{1} << *uniform(1, 6);
    case 1: return Pfn{1} << *uniform(7, 12);
    default: return *Geometry::real_dma32(0x1000);
  }
}

// Large start_pfns sit around dma32 (so the 32-bit space is small or empty) or far above it.
Pfn start_pfn_of(Pfn dma32) {
  switch (*weighted_index(std::array<std::size_t, 5>{2, 6, 3, 2, 1})) {
    case 0: return 0;
    case 1: return 1;
    case 2: return *uniform(2, 8);
    case 3: return *uniform(dma32 / 2, dma32 + 1);
    default: return one_of({dma32 / 4, Pfn{1} << 40, Pfn{1} << 62});
  }
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

rc::Gen<std::size_t> weighted_index(std::span<const std::size_t> weights, std::uint32_t enabled,
                                    std::uint32_t possible) {
  auto allowed = [](std::uint32_t mask, std::size_t i) { return i >= 32 || (mask >> i & 1u); };
  auto total_of = [&](std::uint32_t mask) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < weights.size(); ++i)
      if (allowed(mask, i)) total += weights[i];
    return total;
  };
  enabled = total_of(enabled & possible) == 0 ? possible : enabled & possible;
  std::array<std::size_t, 32> kept{};
  const std::size_t count = std::min<std::size_t>(weights.size(), kept.size());
  for (std::size_t i = 0; i < count; ++i) kept[i] = allowed(enabled, i) ? weights[i] : 0;
  return rc::gen::map(uniform(0, total_of(enabled) - 1), [kept, count](Pfn ticket) {
    std::size_t index = 0;
    while (index + 1 < count && ticket >= kept[index]) ticket -= kept[index++];
    return index;
  });
}

rc::Gen<Swarm> swarms() {
  constexpr Pfn kOpKinds = std::variant_size_v<Op>;
  return rc::gen::exec([] {
    if (*uniform(0, 3) == 0) return Swarm{};  // a quarter of the cases draw from everything
    auto subset = [](std::size_t classes) { return static_cast<std::uint32_t>(*uniform(1, (Pfn{1} << classes) - 1)); };
    Swarm swarm;
    swarm.ops = subset(kOpKinds);
    swarm.ops |= 1u << *uniform(0, 1);  // alloc or fast: something to work on
    swarm.sizes = subset(kSizeWeights.size());
    swarm.limits = subset(kLimitWeights.size());
    if (*uniform(0, 1) == 0) {  // run mode: both fast kinds, depots past the CPU count or a 32 cap
      swarm.ops |= 0b1010;      // fast (1) and ffree (3)
      swarm.run_magazines = static_cast<unsigned>(*uniform(0, 1) == 0 ? *uniform(33, 40) : *uniform(1, 6));
    }
    return swarm;
  });
}

rc::Gen<Geometry> geometries() {
  return rc::gen::exec([] {
    Geometry geometry;
    geometry.granule = one_of({0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1, 0x200, 0x10000});
    geometry.dma32_pfn = dma32_of();
    geometry.start_pfn = start_pfn_of(geometry.dma32_pfn);
    geometry.mag_size = static_cast<unsigned>(*uniform(0, 4) == 0 ? 127 : *uniform(1, 8));
    geometry.cpus = static_cast<unsigned>(*uniform(1, 4));
    return geometry;
  });
}

rc::Gen<Pfn> sizes(const Geometry& geometry, std::uint32_t classes) {
  return rc::gen::exec([dma32 = geometry.dma32_pfn, start = geometry.start_pfn, classes]() -> Pfn {
    switch (*weighted_index(kSizeWeights, classes)) {
      case 0: return *uniform(1, 4);
      case 1: {  // 2^k - 1, 2^k, 2^k + 1
        const Pfn power = Pfn{1} << *uniform(0, std::min<Pfn>(std::bit_width(dma32) + 1, 63));
        return std::max<Pfn>(1, power - 1 + *uniform(0, 2));
      }
      case 2: return one_of({31, 32, 33, 63, 64, 65});  // the range caches' last bins and beyond
      case 3: return *uniform(1, 2 * dma32);
      case 4:  // the whole 32-bit space, half and all of 2^64, all above start_pfn
        return one_of({dma32, std::max<Pfn>(1, saturating_sub(dma32, start)), kHalfSpace, kTop,
                       start == 0 ? kTop : kTop - start + 1});
      default: return 0;  // bad input
    }
  });
}

rc::Gen<Pfn> limits(const Geometry& geometry, const Seen& seen, std::uint32_t classes) {
  return rc::gen::exec([geometry, seen, classes]() -> Pfn {
    const Pfn dma32 = geometry.dma32_pfn;
    const Pfn start = geometry.start_pfn;
    switch (*weighted_index(kLimitWeights, classes, possible_unless(seen.empty(), 5))) {
      case 0: return dma32 - 1;
      case 1: return one_of({dma32 - 2, dma32, dma32 + 1});
      case 2: return *uniform(0, 2 * dma32);
      case 3: return *uniform(0, saturating_sub(start, 1));  // below start_pfn (0 when start is 0)
      case 4: return *uniform(start, saturating_add(start, 2 * dma32));
      case 5: return near(seen);
      case 6: return one_of({kTop, kTop - 1, geometry.max_reservable_pfn(), kHalfSpace, 0xffffffff});
      default: return *uniform(0, kTop);
    }
  });
}

rc::Gen<Pfn> pfns(const Geometry& geometry, const Seen& seen) {
  return rc::gen::exec([geometry, seen]() -> Pfn {
    const Pfn dma32 = geometry.dma32_pfn;
    const Pfn start = geometry.start_pfn;
    switch (*weighted_index(kPfnWeights, Swarm::kEvery, possible_unless(seen.empty(), 0))) {
      case 0: return near(seen);
      case 1: return one_of({start, dma32 - 1, dma32, kTop});  // kTop: the anchor
      case 2: return *uniform(0, 2 * dma32);
      default: return *uniform(start, saturating_add(start, 2 * dma32));
    }
  });
}

rc::Gen<unsigned> cpus(const Geometry& geometry) {
  return rc::gen::map(uniform(0, geometry.cpus - 1), [](Pfn cpu) { return static_cast<unsigned>(cpu); });
}

rc::Gen<Reserve> reserves(const Geometry& geometry, const Seen& seen) {
  return rc::gen::exec([geometry, seen]() -> Reserve {
    const Pfn dma32 = geometry.dma32_pfn;
    const Pfn reservable = geometry.max_reservable_pfn();
    switch (*weighted_index(kReserveWeights, Swarm::kEvery, possible_unless(reservable == kTop, 4))) {
      case 0: {  // around an earlier position, so it meets live ranges
        const Pfn anchor = *pfns(geometry, seen);
        const Pfn lo = saturating_sub(anchor, *uniform(0, 3));
        return Reserve{lo, saturating_add(lo, std::max<Pfn>(*sizes(geometry), 1) - 1)};
      }
      case 1: return Reserve{std::min(geometry.start_pfn, dma32 - 1), dma32 - 1};  // the 32-bit space
      case 2: {
        const Pfn lo = *uniform(0, 2 * dma32);
        return Reserve{lo, saturating_add(lo, *uniform(0, dma32))};
      }
      case 3: {  // reversed: lo above hi
        const Pfn hi = std::min(*pfns(geometry, seen), kTop - 1);
        return Reserve{saturating_add(hi, *uniform(1, 4)), hi};
      }
      case 4: {  // beyond 2^64-1 >> shift
        const Pfn lo = saturating_sub(reservable, *uniform(0, 3));
        return Reserve{lo, saturating_add(reservable, *uniform(1, 4))};
      }
      default: {  // up to 2^64-1 >> shift itself, the top of what reserve accepts (the anchor with granule 1)
        return Reserve{saturating_sub(reservable, *uniform(0, 3)), reservable};
      }
    }
  });
}

rc::Gen<Flush> flushes(const Geometry& geometry) {
  return rc::gen::exec([geometry]() -> Flush {
    switch (*weighted_index(kFlushWeights)) {
      case 0: return Flush{Flush::Scope::Cpu, *cpus(geometry)};
      case 1: return Flush{Flush::Scope::Depot, 0};
      default: return Flush{Flush::Scope::All, 0};
    }
  });
}

}  // namespace iovacheck::props
